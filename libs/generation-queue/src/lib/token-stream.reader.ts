import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { TokenEvent, parseTokenEntry, tokenStreamKey } from './token-stream';

/** One caller's read of one job's stream. */
interface Subscriber {
  key: string;
  /** The last entry this caller has seen. */
  lastId: string;
  events: TokenEvent[];
  failure?: Error;
  wake?: () => void;
}

/** Stream ids compare as `<ms>-<seq>`, numerically part by part. */
function after(id: string, than: string): boolean {
  const [ms, seq] = id.split('-').map(Number);
  const [thanMs, thanSeq] = than.split('-').map(Number);
  return ms > thanMs || (ms === thanMs && (seq ?? 0) > (thanSeq ?? 0));
}

/**
 * Every token stream this process's callers read, over one blocking Redis connection: one XREAD over all
 * of their keys at a time, its entries handed to each key's callers. A new caller wakes a read already
 * blocked (CLIENT UNBLOCK), so its first tokens do not wait out the block. A caller's abort ends its own
 * read at once, whatever Redis does (a frozen Redis holds only the shared read).
 */
export class TokenStreamReader {
  private readonly logger = new Logger(TokenStreamReader.name);
  private readonly subscribers = new Set<Subscriber>();
  private loop?: Promise<void>;
  /** Set while an XREAD is out: a new caller's key is not in it. */
  private blocked = false;
  private clientId?: number;
  private closed = false;

  /**
   * @param connection a connection of its own (it blocks), lazily connected: a process that never reads a
   * stream never opens it.
   * @param commands a command connection, for CLIENT UNBLOCK.
   */
  constructor(
    private readonly connection: Redis,
    private readonly commands: Redis,
  ) {
    // A new connection (a reconnect) has a new id: the read loop asks for it again before blocking.
    connection.on('close', () => (this.clientId = undefined));
  }

  /** The events of a job's stream from its start, until `end` or `error`, or until `signal` aborts. */
  async *read(jobId: string, signal: AbortSignal): AsyncGenerator<TokenEvent> {
    const subscriber: Subscriber = { key: tokenStreamKey(jobId), lastId: '0', events: [] };
    const onAbort = () => subscriber.wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    this.subscribers.add(subscriber);
    this.wakeLoop();
    try {
      for (;;) {
        if (signal.aborted) return;
        const event = subscriber.events.shift();
        if (event) {
          yield event;
          if (event.type !== 'token') return;
          continue;
        }
        if (subscriber.failure) throw subscriber.failure;
        await new Promise<void>((resolve) => (subscriber.wake = resolve));
        subscriber.wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.subscribers.delete(subscriber);
    }
  }

  /** Ends every read with an error and closes the connection. */
  close(): void {
    this.closed = true;
    for (const subscriber of this.subscribers) this.fail(subscriber, new Error('the token stream reader closed'));
    this.connection.disconnect();
  }

  private wakeLoop(): void {
    if (!this.loop) {
      this.loop = this.run().finally(() => (this.loop = undefined));
      return;
    }
    if (this.blocked) void this.unblock();
  }

  /** Wakes the blocked XREAD; tried again briefly if it reached Redis before the XREAD did. */
  private async unblock(): Promise<void> {
    for (let tries = 0; tries < 5 && this.blocked && this.clientId !== undefined; tries += 1) {
      const woken = await this.commands.client('UNBLOCK', this.clientId).catch(() => 0);
      if (Number(woken) === 1) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private async run(): Promise<void> {
    while (!this.closed && this.subscribers.size > 0) {
      const from = new Map<string, string>();
      try {
        // Asked before blocking: on the blocked connection the answer would come after the block.
        this.clientId ??= Number(await this.connection.client('ID'));
        if (this.closed || this.subscribers.size === 0) return;
        // One entry per key, from the earliest entry any of its callers still needs; made after the last
        // await, so that a caller who joined meanwhile is in this read (no wake-up reaches it before).
        for (const { key, lastId } of this.subscribers) {
          const earliest = from.get(key);
          if (earliest === undefined || after(earliest, lastId)) from.set(key, lastId);
        }
        this.blocked = true;
        const reply = (await this.connection.xread(
          'COUNT',
          256,
          'BLOCK',
          1000,
          'STREAMS',
          ...from.keys(),
          ...from.values(),
        )) as [string, [string, string[]][]][] | null;
        this.blocked = false;
        for (const [key, entries] of reply ?? []) this.dispatch(key, entries);
      } catch (error) {
        this.blocked = false;
        if (this.closed) return;
        this.logger.warn(`Token stream read failed streams=${from.size} error="${(error as Error).message}"`);
        for (const subscriber of this.subscribers) this.fail(subscriber, error as Error);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private dispatch(key: string, entries: [string, string[]][]): void {
    for (const subscriber of this.subscribers) {
      if (subscriber.key !== key) continue;
      for (const [id, flat] of entries) {
        if (!after(id, subscriber.lastId)) continue;
        subscriber.lastId = id;
        const event = parseTokenEntry(flat);
        if (event) subscriber.events.push(event);
      }
      subscriber.wake?.();
    }
  }

  private fail(subscriber: Subscriber, error: Error): void {
    subscriber.failure = error;
    subscriber.wake?.();
  }
}
