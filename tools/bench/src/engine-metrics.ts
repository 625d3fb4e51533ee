// What vLLM engines say about a run, from their own /metrics (Prometheus text) read before and after:
// how many requests each served (the spread over replicas) and their prefix cache hit rate. Ollama and
// the services have no such page; a target that does not answer simply has no engine figures.

/** One engine's counters at an instant. */
interface EngineCounters {
  requests: number;
  prefixQueries: number;
  prefixHits: number;
}

/** One engine's share of a run. */
export interface EngineFigures {
  url: string;
  /** Requests the engine finished during the run (any finish reason), probes and other clients included. */
  requests: number;
  /** Prefix cache hits over lookups, in tokens; null when the engine reports no lookups. */
  prefixCacheHitRate: number | null;
}

/** The sum of a counter over all its label sets in Prometheus text; 0 when absent. */
export function counterSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return sum;
}

async function readCounters(url: string, headers: Record<string, string>): Promise<EngineCounters | null> {
  try {
    const response = await fetch(`${url}/metrics`, { headers, signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return null;
    const text = await response.text();
    if (!text.includes('vllm:request_success_total')) return null;
    return {
      requests: counterSum(text, 'vllm:request_success_total'),
      prefixQueries: counterSum(text, 'vllm:prefix_cache_queries_total'),
      prefixHits: counterSum(text, 'vllm:prefix_cache_hits_total'),
    };
  } catch {
    return null;
  }
}

/** Reads every URL's counters now; call the result after the run for each engine's figures. */
export async function engineSnapshot(
  urls: string[],
  headers: Record<string, string>,
): Promise<() => Promise<EngineFigures[]>> {
  const before = await Promise.all(urls.map((url) => readCounters(url, headers)));
  return async () => {
    const after = await Promise.all(urls.map((url) => readCounters(url, headers)));
    return urls.flatMap((url, i) => {
      const [start, end] = [before[i], after[i]];
      if (!start || !end) return [];
      const queries = end.prefixQueries - start.prefixQueries;
      return [
        {
          url,
          requests: end.requests - start.requests,
          prefixCacheHitRate: queries > 0 ? (end.prefixHits - start.prefixHits) / queries : null,
        },
      ];
    });
  };
}
