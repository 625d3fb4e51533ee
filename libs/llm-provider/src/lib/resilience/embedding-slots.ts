import { LlmAbortedError, LlmOverloadedError } from '../llm.errors';
import type { LlmMetrics } from '../llm-metrics';
import type { TotalTimer } from './attempt-timers';

/**
 * What an embedding is for: `interactive` (a question, a search) or `bulk` (an ingest's chunks, a batch).
 * Each use has its own slots, so a question never waits behind an ingest's thousand chunks: a bulk caller
 * holds at most its use's slots, whatever it has queued.
 */
export type EmbeddingUse = 'interactive' | 'bulk';

export interface SlotLimits {
  /** Embedding requests on the servers at once. */
  concurrency: number;
  /** Requests that may wait for a slot; past it a call is refused at once (LlmOverloadedError). */
  maxWaiting: number;
}

export type EmbeddingLimits = Record<EmbeddingUse, SlotLimits>;

/** A question's embedding is one short request; an ingest sends one after another. */
export const DEFAULT_EMBEDDING_LIMITS: EmbeddingLimits = {
  interactive: { concurrency: 8, maxWaiting: 256 },
  bulk: { concurrency: 8, maxWaiting: 64 },
};

type SlotMetrics = Pick<LlmMetrics, 'embeddingInUse' | 'embeddingWaiting' | 'embeddingRefused'>;

/** One use's slots: at most `concurrency` taken, the rest wait in order, at most `maxWaiting` of them. */
class Slots {
  private inUse = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly use: EmbeddingUse,
    private readonly limits: SlotLimits,
    private readonly metrics: SlotMetrics,
  ) {
    this.report();
  }

  /** A slot, once free; the returned release gives it to the longest-waiting call. */
  async acquire(total: TotalTimer, callerSignal: AbortSignal | undefined): Promise<() => void> {
    if (this.inUse < this.limits.concurrency) {
      this.inUse += 1;
      this.report();
      return this.releaser();
    }
    if (this.waiting.length >= this.limits.maxWaiting) {
      this.metrics.embeddingRefused.inc({ use: this.use, reason: 'full' });
      throw new LlmOverloadedError(
        `too many ${this.use} embedding calls in this process: ${this.limits.concurrency} running and ` +
          `${this.waiting.length} waiting; try again shortly`,
      );
    }
    if (total.signal.aborted) throw this.abandoned(total, callerSignal);
    await new Promise<void>((resolve, reject) => {
      const granted = () => {
        total.signal.removeEventListener('abort', abandon);
        resolve();
      };
      // The caller's deadline (or the call's total time) ends the wait: the line forgets the call.
      const abandon = () => {
        const index = this.waiting.indexOf(granted);
        if (index >= 0) this.waiting.splice(index, 1);
        this.report();
        reject(this.abandoned(total, callerSignal));
      };
      total.signal.addEventListener('abort', abandon, { once: true });
      this.waiting.push(granted);
      this.report();
    });
    return this.releaser();
  }

  private abandoned(total: TotalTimer, callerSignal: AbortSignal | undefined): Error {
    if (callerSignal?.aborted) {
      return new LlmAbortedError('the caller cancelled the call while it waited for an embedding slot');
    }
    this.metrics.embeddingRefused.inc({ use: this.use, reason: 'timeout' });
    return new LlmOverloadedError(
      `no ${this.use} embedding slot was free within the call's time (${total.expired?.timeoutMs} ms); try again shortly`,
    );
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the next in line: it is never free for a newcomer to overtake.
      const next = this.waiting.shift();
      if (next) next();
      else this.inUse -= 1;
      this.report();
    };
  }

  private report(): void {
    this.metrics.embeddingInUse.set({ use: this.use }, this.inUse);
    this.metrics.embeddingWaiting.set({ use: this.use }, this.waiting.length);
  }
}

/**
 * The per-process bound on embedding requests, one set of slots per use. The wait for a slot counts
 * against the call's total time and ends with the caller's signal; a call that finds the waiting line
 * full is refused at once, before any request goes out.
 */
export class EmbeddingSlots {
  private readonly slots: Record<EmbeddingUse, Slots>;

  constructor(
    limits: EmbeddingLimits | undefined,
    metrics: SlotMetrics,
    /** The call's total time (the role's), which the wait for a slot counts against. */
    private readonly totalTimer: (signal: AbortSignal | undefined) => TotalTimer,
  ) {
    const { interactive, bulk } = limits ?? DEFAULT_EMBEDDING_LIMITS;
    // A limit read as undefined (options built by hand without a setting) would hold every call for ever.
    for (const [use, { concurrency, maxWaiting }] of Object.entries({ interactive, bulk })) {
      if (!(Number.isInteger(concurrency) && concurrency >= 1 && Number.isInteger(maxWaiting) && maxWaiting >= 0)) {
        throw new Error(
          `embeddingLimits.${use}: expected a whole concurrency of 1 or more and a whole maxWaiting of 0 or more`,
        );
      }
    }
    this.slots = {
      interactive: new Slots('interactive', interactive, metrics),
      bulk: new Slots('bulk', bulk, metrics),
    };
  }

  /** Runs one embedding request in a slot of its use, under one total timer for the wait and the request. */
  async run<T>(
    use: EmbeddingUse,
    signal: AbortSignal | undefined,
    request: (total: TotalTimer) => Promise<T>,
  ): Promise<T> {
    const total = this.totalTimer(signal);
    try {
      const release = await this.slots[use].acquire(total, signal);
      try {
        return await request(total);
      } finally {
        release();
      }
    } finally {
      total.dispose();
    }
  }
}
