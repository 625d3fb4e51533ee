import type { StreamFault } from './fault.schema';

/** Server-sent events (vLLM) or one JSON object a line (Ollama). */
export type StreamFormat = 'sse' | 'ndjson';

/** A line no JSON parser accepts, in each format's framing. */
export const MALFORMED_LINES: Readonly<Record<StreamFormat, string>> = {
  sse: 'data: {"id": broken\n\n',
  ndjson: '{"model": broken\n',
};

/** The part of an HTTP response a streamed fault needs; an Express Response is one. */
export interface StreamSink {
  write(text: string): unknown;
  end(text: string): unknown;
  destroy(): unknown;
  once(event: 'close', listener: () => void): unknown;
}

interface Pending {
  text: string;
  last: boolean;
}

/**
 * Writes a streamed response through the faults that hit it. A fault acts before the next write once
 * `afterTokens` text chunks are out, or before the closing lines if the answer is shorter than that, so
 * that a fault always shows. Writes stay synchronous unless a stall holds them back.
 */
export class FaultStream {
  private readonly waiting: StreamFault[];
  private readonly queue: Pending[] = [];
  private written = 0;
  private holding = false;
  private closed = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly sink: StreamSink,
    private readonly format: StreamFormat,
    faults: readonly StreamFault[],
  ) {
    this.waiting = [...faults].sort((a, b) => a.afterTokens - b.afterTokens);
    sink.once('close', () => this.drop());
  }

  /** One streamed chunk of generated text, already framed. */
  chunk(text: string): void {
    this.push({ text, last: false });
  }

  /** The closing lines (finish, usage, `[DONE]`, `done: true` or an error); ends the response. */
  end(text: string): void {
    this.push({ text, last: true });
  }

  private push(pending: Pending): void {
    if (this.closed) return;
    this.queue.push(pending);
    this.drain();
  }

  private drain(): void {
    while (!this.holding && !this.closed && this.queue.length > 0) {
      const next = this.queue[0];
      const due = this.waiting[0];
      if (due && (next.last || due.afterTokens <= this.written)) {
        this.waiting.shift();
        this.act(due);
        continue;
      }
      this.queue.shift();
      if (next.last) {
        this.sink.end(next.text);
      } else {
        this.sink.write(next.text);
        this.written += 1;
      }
    }
  }

  private act(fault: StreamFault): void {
    switch (fault.kind) {
      case 'malformed':
        this.sink.write(MALFORMED_LINES[this.format]);
        return;
      case 'cut':
        this.drop();
        this.sink.destroy();
        return;
      case 'stall':
        this.holding = true;
        // Without a duration the stall lasts until the client goes away (the sink closes).
        if (fault.durationMs !== undefined) {
          this.timer = setTimeout(() => {
            this.holding = false;
            this.drain();
          }, fault.durationMs);
        }
        return;
    }
  }

  private drop(): void {
    this.closed = true;
    this.queue.length = 0;
    clearTimeout(this.timer);
  }
}
