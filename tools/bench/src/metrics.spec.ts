import { percentile, summarize } from './metrics.ts';
import type { RequestRecord } from './runner.ts';

const record = (overrides: Partial<RequestRecord>): RequestRecord => ({
  index: 0,
  startMs: 0,
  ok: true,
  ttftMs: 100,
  latencyMs: 1000,
  itlsMs: [],
  outputTokens: 10,
  promptTokens: 5,
  ...overrides,
});

describe('percentile', () => {
  it('interpolates between ranks as numpy.percentile does', () => {
    // numpy.percentile([1, 2, 3, 4], [50, 90, 99]) == [2.5, 3.7, 3.97]
    expect([50, 90, 99].map((p) => percentile([4, 1, 3, 2], p))).toEqual([
      2.5,
      expect.closeTo(3.7),
      expect.closeTo(3.97),
    ]);
    expect(percentile([], 50)).toBe(0);
  });
});

describe('summarize', () => {
  it('computes TPOT only for requests of more than one token and pools every ITL', () => {
    const sut = summarize({
      records: [
        record({ ttftMs: 100, latencyMs: 1000, outputTokens: 10, itlsMs: [100, 100] }),
        record({ ttftMs: 300, latencyMs: 300, outputTokens: 1, itlsMs: [] }),
        record({ ttftMs: 200, latencyMs: 600, outputTokens: 5, itlsMs: [300] }),
      ],
      durationMs: 2000,
    });

    // (1000 - 100) / 9 = 100 and (600 - 200) / 4 = 100; the one-token request has none.
    expect(sut.tpotMs).toEqual({ mean: 100, p50: 100, p90: 100, p95: 100, p99: 100 });
    expect(sut.itlMs.p50).toBe(100);
    expect(sut.itlMs.mean).toBeCloseTo(500 / 3);
    expect(sut.requestThroughput).toBe(1.5);
    expect(sut.outputThroughput).toBe(8);
    expect(sut.totalInputTokens).toBe(15);
  });

  it('counts as good only the requests that meet every SLO, a one-token request judged with TPOT 0', () => {
    const records = [
      record({ ttftMs: 100, latencyMs: 1000, outputTokens: 10 }), // TPOT 100
      record({ ttftMs: 900, latencyMs: 1000, outputTokens: 2 }), // TPOT 100, TTFT too slow
      record({ ttftMs: 50, latencyMs: 50, outputTokens: 1 }), // TPOT 0
      record({ ok: false, error: 'HTTP 503', ttftMs: 0, latencyMs: 5, outputTokens: 0 }),
    ];

    const sut = summarize({ records, durationMs: 1000, slo: { ttft: 500, tpot: 100 } });

    expect(sut.goodCompleted).toBe(2);
    expect(sut.requestGoodput).toBe(2);
    expect(sut.requestThroughput).toBe(3);
    expect(summarize({ records, durationMs: 1000, slo: { tpot: 99 } }).goodCompleted).toBe(1);
    expect(summarize({ records, durationMs: 1000 }).goodCompleted).toBeNull();
  });

  it('lists failures by error, most frequent first, and leaves them out of the latencies', () => {
    const sut = summarize({
      records: [
        record({ ok: false, error: 'timeout', latencyMs: 9000 }),
        record({ ok: false, error: 'HTTP 503', latencyMs: 9000 }),
        record({ ok: false, error: 'HTTP 503', latencyMs: 9000 }),
        record({ latencyMs: 1000 }),
      ],
      durationMs: 1000,
    });

    expect(sut.failures).toEqual([
      { error: 'HTTP 503', count: 2 },
      { error: 'timeout', count: 1 },
    ]);
    expect([sut.completed, sut.failed, sut.e2elMs.p99]).toEqual([1, 3, 1000]);
  });

  it("reports a simulated engine's times in its own clock: wall time divided by the time scale", () => {
    const sut = summarize({
      records: [record({ ttftMs: 10, latencyMs: 100, outputTokens: 10 })],
      durationMs: 100,
      timeScale: 0.1,
    });

    expect([sut.ttftMs.p50, sut.e2elMs.p50, sut.durationS, sut.outputThroughput]).toEqual([100, 1000, 1, 10]);
  });

  it('finds the peak of requests in flight, a request ending as another starts not overlapping it', () => {
    const sut = summarize({
      records: [
        record({ startMs: 0, latencyMs: 100 }),
        record({ startMs: 100, latencyMs: 100 }),
        record({ startMs: 150, latencyMs: 100 }),
        record({ startMs: 160, latencyMs: 10, ok: false, error: 'HTTP 503' }),
      ],
      durationMs: 300,
    });

    expect(sut.peakConcurrency).toBe(3);
  });

  it('marks input tokens unknown when a request did not report them', () => {
    expect(summarize({ records: [record({ promptTokens: undefined })], durationMs: 1 }).totalInputTokens).toBeNull();
  });
});
