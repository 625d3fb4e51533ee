/** What a request's work sees when its deadline passes: the reason of the deadline's signal. */
export class DeadlineExceededError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`the request's deadline of ${deadlineMs} ms passed`);
    this.name = 'DeadlineExceededError';
  }
}

export interface RequestDeadlineOptions {
  /** How long the whole request may take, from now. */
  ms: number;
  /** The caller's own cancellation (the client closed the connection): it aborts the signal too. */
  cancel?: AbortSignal;
  /** The error a request that ran past its deadline fails with (the service's typed 504). */
  exceeded: () => Error;
}

/**
 * One time budget for a request, made where the request arrives and passed to every step (embedding,
 * vector search, enqueue, queue wait, the LLM call) as one signal plus the time left. `run` ends the
 * request by its deadline even if a step does not watch the signal (a frozen server whose client takes
 * no signal): the step is abandoned, its signal aborted, and the request fails with `exceeded()`.
 */
export class RequestDeadline {
  readonly signal: AbortSignal;
  private readonly endsAt: number;
  private readonly timeout: AbortSignal;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: RequestDeadlineOptions) {
    this.endsAt = performance.now() + options.ms;
    const controller = new AbortController();
    // AbortSignal.timeout's reason is a DOMException, and it cannot be cleared; this timer can.
    this.timer = setTimeout(() => controller.abort(new DeadlineExceededError(options.ms)), options.ms);
    this.timer.unref();
    this.timeout = controller.signal;
    this.signal = options.cancel ? AbortSignal.any([options.cancel, this.timeout]) : this.timeout;
  }

  /** The request ended: its timer goes now, not at the deadline (120-180 s later for a long route). */
  dispose(): void {
    clearTimeout(this.timer);
  }

  /** Milliseconds left, at least 1 (a step given 0 would read it as "no limit"). */
  remainingMs(): number {
    return Math.max(1, Math.ceil(this.endsAt - performance.now()));
  }

  get exceeded(): boolean {
    return this.timeout.aborted;
  }

  /**
   * The work's result, or its failure; once the deadline passes, `exceeded()` at once, whatever the work
   * is doing. A failure the deadline caused (an abort, a timeout of the time left) is `exceeded()` too.
   */
  async run<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    let fail = (): void => undefined;
    const onDeadline = new Promise<never>((_, reject) => {
      fail = () => reject(this.options.exceeded());
      if (this.timeout.aborted) fail();
      else this.timeout.addEventListener('abort', fail, { once: true });
    });
    onDeadline.catch(() => undefined);
    try {
      return await Promise.race([work(this.signal), onDeadline]);
    } catch (error) {
      if (this.exceeded || isTimeoutAtDeadline(this.endsAt)) throw this.options.exceeded();
      throw error;
    } finally {
      // runStream calls this once per event: a listener left per step would pile up on the signal.
      this.timeout.removeEventListener('abort', fail);
    }
  }

  /** `events` (a stream), each one under the deadline as `run` is. */
  async *runStream<T>(events: AsyncGenerator<T>): AsyncGenerator<T> {
    try {
      for (;;) {
        const next = await this.run(() => events.next());
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // Abandoned mid-step at the deadline: the generator's own cleanup runs when that step settles.
      void events.return(undefined).catch(() => undefined);
    }
  }
}

// A step given the time left times out a moment before the deadline's own timer fires: still the deadline.
function isTimeoutAtDeadline(endsAt: number): boolean {
  return performance.now() >= endsAt - 50;
}

