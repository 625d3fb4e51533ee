import { parseRetryAfter, retryDelayMs } from './backoff';

const options = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };

describe(retryDelayMs.name, () => {
  it('grows exponentially under a jittered ceiling', () => {
    expect(retryDelayMs(1, options, undefined, () => 0.999)).toBe(100);
    expect(retryDelayMs(3, options, undefined, () => 0.999)).toBe(400);
    expect(retryDelayMs(10, options, undefined, () => 0.999)).toBe(999);
    expect(retryDelayMs(3, options, undefined, () => 0)).toBe(0);
  });

  it('honours Retry-After, capped at the maximum delay', () => {
    expect(retryDelayMs(1, options, 300)).toBe(300);
    expect(retryDelayMs(1, options, 60_000)).toBe(1000);
  });
});

describe(parseRetryAfter.name, () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
