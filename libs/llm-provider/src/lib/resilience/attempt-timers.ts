import { BackendRef, LlmTimeoutError } from '../llm.errors';
import type { RoleTimeouts } from '../llm.options';

/**
 * Timers of one attempt: first token, then the gap between chunks; or, for an answer that is not
 * streamed, one timer for the whole answer (`answerMs`; null: none, the call's total bounds it).
 * `expired` says which fired.
 */
export class AttemptTimers {
  readonly controller = new AbortController();
  expired?: LlmTimeoutError;
  private timer?: NodeJS.Timeout;
  private started = false;

  constructor(
    private readonly timeouts: Pick<RoleTimeouts, 'firstTokenMs' | 'idleMs'> & { answerMs?: number | null },
    private readonly backend: BackendRef,
  ) {
    if (timeouts.answerMs === undefined) this.arm('first_token', timeouts.firstTokenMs);
    else if (timeouts.answerMs !== null) this.arm('answer', timeouts.answerMs);
  }

  /** A chunk arrived: the first-token timer stops and the idle one restarts. */
  chunk(): void {
    this.started = true;
    this.arm('idle', this.timeouts.idleMs);
  }

  /** The answer arrived whole (not streamed), or the attempt ended: no timer after it. */
  stop(): void {
    clearTimeout(this.timer);
  }

  get streaming(): boolean {
    return this.started;
  }

  private arm(phase: 'first_token' | 'idle' | 'answer', ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.expired = new LlmTimeoutError(phase, ms, { backend: this.backend });
      this.controller.abort(this.expired);
    }, ms);
  }
}

/** The whole call's budget, retries and fallback included, joined with the caller's signal. */
export class TotalTimer {
  readonly signal: AbortSignal;
  expired: LlmTimeoutError | undefined;
  private readonly handle: NodeJS.Timeout;

  constructor(ms: number, callerSignal: AbortSignal | undefined) {
    const controller = new AbortController();
    this.signal = callerSignal ? AbortSignal.any([callerSignal, controller.signal]) : controller.signal;
    this.handle = setTimeout(() => {
      this.expired = new LlmTimeoutError('total', ms);
      controller.abort(this.expired);
    }, ms);
  }

  dispose(): void {
    clearTimeout(this.handle);
  }
}
