import { CircuitBreaker, CircuitBreakerOptions } from './circuit-breaker';

const options: CircuitBreakerOptions = {
  failureThreshold: 3,
  failureRate: 0.5,
  windowSize: 10,
  minCalls: 6,
  openMs: 1000,
};

function breaker() {
  let now = 0;
  const states: string[] = [];
  const sut = new CircuitBreaker(
    options,
    () => now,
    (state) => states.push(state),
  );
  return { sut, states, advance: (ms: number) => (now += ms) };
}

describe(CircuitBreaker.name, () => {
  it('opens after consecutive failures and refuses calls while open', () => {
    const { sut } = breaker();
    for (let i = 0; i < 3; i += 1) sut.recordFailure();

    expect(sut.state).toBe('open');
    expect(sut.tryAcquire()).toBe(false);
  });

  it('opens on the failure rate over the window even without a run of failures', () => {
    const { sut } = breaker();
    for (const ok of [true, false, true, false, true, false]) {
      if (ok) sut.recordSuccess();
      else sut.recordFailure();
    }

    expect(sut.state).toBe('open');
  });

  it('lets exactly one probe through when half-open, and closes when it succeeds', () => {
    const { sut, states, advance } = breaker();
    for (let i = 0; i < 3; i += 1) sut.recordFailure();
    advance(1000);

    expect(sut.tryAcquire()).toBe(true);
    expect(sut.tryAcquire()).toBe(false);
    sut.recordSuccess();

    expect(sut.state).toBe('closed');
    expect(states).toEqual(['open', 'half_open', 'closed']);
  });

  it('opens again when the probe fails', () => {
    const { sut, advance } = breaker();
    for (let i = 0; i < 3; i += 1) sut.recordFailure();
    advance(1000);
    sut.tryAcquire();

    sut.recordFailure();

    expect(sut.state).toBe('open');
    advance(999);
    expect(sut.tryAcquire()).toBe(false);
  });

  it('stays closed while failures are occasional', () => {
    const { sut } = breaker();
    for (let i = 0; i < 20; i += 1) {
      if (i % 4 === 0) sut.recordFailure();
      else sut.recordSuccess();
    }

    expect(sut.state).toBe('closed');
  });
});
