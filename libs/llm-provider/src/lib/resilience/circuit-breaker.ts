export type BreakerState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** Failure rate (0..1) over the last `windowSize` calls that opens it, once `minCalls` were made. */
  failureRate: number;
  windowSize: number;
  minCalls: number;
  /** How long it stays open before letting one probe through. */
  openMs: number;
}

/**
 * One backend's circuit breaker. Closed: calls pass. Open: calls are refused (they go to the fallback)
 * until `openMs` has passed. Half-open: exactly one probe passes; its success closes the breaker, its
 * failure opens it again.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private consecutiveFailures = 0;
  private readonly outcomes: boolean[] = [];
  private openedAt = 0;
  private probeInFlight = false;

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly now: () => number = Date.now,
    private readonly onChange: (state: BreakerState) => void = () => undefined,
  ) {}

  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.options.openMs) this.transition('half_open');
    return this.current;
  }

  /** Whether a call may go to this backend now; in half-open state only one probe at a time may. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probeInFlight) return false;
    this.probeInFlight = true;
    return true;
  }

  recordSuccess(): void {
    this.probeInFlight = false;
    this.consecutiveFailures = 0;
    this.remember(true);
    if (this.current !== 'closed') {
      this.outcomes.length = 0;
      this.transition('closed');
    }
  }

  recordFailure(): void {
    this.probeInFlight = false;
    this.consecutiveFailures += 1;
    this.remember(false);
    const failures = this.outcomes.filter((ok) => !ok).length;
    const rateTripped =
      this.outcomes.length >= this.options.minCalls && failures / this.outcomes.length >= this.options.failureRate;
    if (this.current === 'half_open' || this.consecutiveFailures >= this.options.failureThreshold || rateTripped) {
      this.openedAt = this.now();
      this.transition('open');
    }
  }

  /** A call that was let through but ended without telling anything about the backend (cancelled). */
  release(): void {
    this.probeInFlight = false;
  }

  private remember(ok: boolean): void {
    this.outcomes.push(ok);
    if (this.outcomes.length > this.options.windowSize) this.outcomes.shift();
  }

  private transition(state: BreakerState): void {
    if (this.current === state) return;
    this.current = state;
    this.onChange(state);
  }
}
