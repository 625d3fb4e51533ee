// The figures of a run as `vllm bench serve` defines them (vllm/benchmarks/serve.py, calculate_metrics):
// TTFT from sending to the first piece of output; TPOT = (latency - TTFT) / (output tokens - 1), only for
// requests of more than one token; ITL every gap between pieces, pooled over requests; E2EL the whole
// request; throughput over the run's duration; goodput the requests per second that met every SLO.
import type { RequestRecord } from './runner.ts';

/** The p-th percentile (0-100) with linear interpolation between ranks, as numpy's default; 0 for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** The arithmetic mean; 0 for none. */
export const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);

/** Mean and percentiles of one latency, in ms. */
export interface Distribution {
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

const distribution = (values: number[]): Distribution => ({
  mean: mean(values),
  p50: percentile(values, 50),
  p90: percentile(values, 90),
  p95: percentile(values, 95),
  p99: percentile(values, 99),
});

/** Service level objectives in ms; a request is good when it meets every one given. */
export interface Slo {
  ttft?: number;
  tpot?: number;
  e2el?: number;
}

/** Everything a run reports. Times in ms and durations in s, divided by the time scale. */
export interface RunSummary {
  numRequests: number;
  completed: number;
  failed: number;
  durationS: number;
  totalOutputTokens: number;
  /** Null when the target does not report prompt tokens for every completed request. */
  totalInputTokens: number | null;
  requestThroughput: number;
  outputThroughput: number;
  /** Null without SLOs. */
  requestGoodput: number | null;
  goodCompleted: number | null;
  ttftMs: Distribution;
  tpotMs: Distribution;
  itlMs: Distribution;
  e2elMs: Distribution;
  /** The most requests in flight at once, as the client saw them (vllm bench's peak concurrent requests). */
  peakConcurrency: number;
  /** Failed requests by error, most frequent first. */
  failures: { error: string; count: number }[];
}

/** The most intervals [start, start + latency) that overlap at one instant. */
function peakOverlap(records: RequestRecord[]): number {
  // At equal times an end comes before a start: a request that ends as another starts never overlaps it.
  const edges = records
    .flatMap((record) => [
      { at: record.startMs, step: 1 },
      { at: record.startMs + record.latencyMs, step: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.step - b.step);
  let current = 0;
  let peak = 0;
  for (const edge of edges) {
    current += edge.step;
    peak = Math.max(peak, current);
  }
  return peak;
}

/**
 * Summarises a run. `timeScale` converts a simulated engine's fast clock back to the GPU time it
 * simulates (wall time / scale); 1 for a real engine.
 */
export function summarize(options: {
  records: RequestRecord[];
  durationMs: number;
  timeScale?: number;
  slo?: Slo;
}): RunSummary {
  const scale = options.timeScale ?? 1;
  const ok = options.records.filter((record) => record.ok);
  const ttfts = ok.map((record) => record.ttftMs / scale);
  const e2els = ok.map((record) => record.latencyMs / scale);
  // Requests of one token have no TPOT; goodput still judges them, with 0, as vLLM's does.
  const allTpots = ok.map((record) =>
    record.outputTokens > 1 ? (record.latencyMs - record.ttftMs) / scale / (record.outputTokens - 1) : 0,
  );
  const tpots = allTpots.filter((_, i) => ok[i].outputTokens > 1);
  const durationS = options.durationMs / 1000 / scale;
  const totalOutputTokens = ok.reduce((sum, record) => sum + record.outputTokens, 0);
  const inputKnown = ok.every((record) => record.promptTokens !== undefined);
  const slo = options.slo;
  const goodCompleted =
    slo && Object.keys(slo).length
      ? ok.filter(
          (_, i) =>
            (slo.ttft === undefined || ttfts[i] <= slo.ttft) &&
            (slo.tpot === undefined || allTpots[i] <= slo.tpot) &&
            (slo.e2el === undefined || e2els[i] <= slo.e2el),
        ).length
      : null;
  const failures = new Map<string, number>();
  for (const record of options.records) {
    if (!record.ok) failures.set(record.error ?? 'error', (failures.get(record.error ?? 'error') ?? 0) + 1);
  }
  return {
    numRequests: options.records.length,
    completed: ok.length,
    failed: options.records.length - ok.length,
    durationS,
    totalOutputTokens,
    totalInputTokens: inputKnown ? ok.reduce((sum, record) => sum + (record.promptTokens ?? 0), 0) : null,
    requestThroughput: ok.length / durationS,
    outputThroughput: totalOutputTokens / durationS,
    requestGoodput: goodCompleted === null ? null : goodCompleted / durationS,
    goodCompleted,
    ttftMs: distribution(ttfts),
    tpotMs: distribution(tpots),
    itlMs: distribution(ok.flatMap((record) => record.itlsMs.map((itl) => itl / scale))),
    e2elMs: distribution(e2els),
    peakConcurrency: peakOverlap(options.records),
    failures: [...failures].map(([error, count]) => ({ error, count })).sort((a, b) => b.count - a.count),
  };
}
