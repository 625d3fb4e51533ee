/** An engine's own view of its load, from vLLM's Prometheus metrics. The gauges lag by a few seconds. */
export interface EngineLoad {
  running: number;
  waiting: number;
  /** 0..1, when the engine reports it. */
  kvCacheUsage?: number;
}

// Metric names changed across vLLM versions: read both.
const NAMES = {
  running: ['vllm:num_requests_running'],
  waiting: ['vllm:num_requests_waiting'],
  kvCacheUsage: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'],
} as const;

/** Sums each gauge over its series (one per engine or model) in a Prometheus text page. */
export function parseVllmMetrics(text: string): EngineLoad | undefined {
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith('vllm:')) continue;
    const name = line.slice(0, line.search(/[{ ]/));
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sums.set(name, (sums.get(name) ?? 0) + value);
  }
  const read = (names: readonly string[]) => names.map((name) => sums.get(name)).find((value) => value !== undefined);
  const running = read(NAMES.running);
  const waiting = read(NAMES.waiting);
  if (running === undefined || waiting === undefined) return undefined;
  return { running, waiting, kvCacheUsage: read(NAMES.kvCacheUsage) };
}
