/** How a call picks one replica of a backend: by load (with prefix affinity), or in turn for comparison. */
export const ROUTING_STRATEGIES = ['least-loaded', 'round-robin'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/**
 * Replica routing as data (vLLM production-stack's router, llm-d's scorer): the strategy, how often each
 * vLLM replica's /metrics is read and when a reading is too old to trust, how load is weighed, and how
 * strongly a shared prompt prefix holds a request to the replica that served it last.
 */
export interface RoutingOptions {
  strategy: RoutingStrategy;
  /** How often each vLLM replica's /metrics is read while calls are routed or loads are asked for. */
  scrapeIntervalMs: number;
  /** A reading older than this (or a failed scrape) is ignored: the replica's load is this client's in-flight count. */
  staleAfterMs: number;
  /** Scraping stops after this long without a call or a `replicaLoads()`, and starts again with the next. */
  scrapeIdleStopMs: number;
  /**
   * Weights of the engine's gauges. Load = max(in-flight, running + waiting) + waitingWeight x waiting +
   * kvCacheWeight x KV-cache usage (0..1), in requests: a queued request costs more than a batch slot (llm-d
   * weighs queue depth double), and a nearly full KV cache means preemption.
   */
  waitingWeight: number;
  kvCacheWeight: number;
  /**
   * Prefix affinity: a request whose leading system messages (its template) match a recent one goes to the
   * replica that took it last, unless that replica's load is more than this many requests above the least
   * loaded one. 0 turns affinity off.
   */
  affinityMargin: number;
  /** Shorter leading system text is not worth a cache hit: no affinity. */
  affinityMinPrefixChars: number;
  /** Prefixes remembered (least recently used forgotten first). */
  affinityMaxPrefixes: number;
}

export type RoutingPolicy = Readonly<RoutingOptions>;

export const DEFAULT_ROUTING: RoutingPolicy = Object.freeze({
  strategy: 'least-loaded',
  scrapeIntervalMs: 1_000,
  staleAfterMs: 3_000,
  scrapeIdleStopMs: 30_000,
  waitingWeight: 1,
  kvCacheWeight: 4,
  affinityMargin: 4,
  affinityMinPrefixChars: 64,
  affinityMaxPrefixes: 1_024,
});

/**
 * The frozen policy of the options. A scrape interval given without a staleness bound gets three intervals:
 * one missed scrape is tolerated, two are not.
 */
export function routingPolicyFrom(options: Partial<RoutingOptions> | undefined): RoutingPolicy {
  const scrapeIntervalMs = options?.scrapeIntervalMs ?? DEFAULT_ROUTING.scrapeIntervalMs;
  return Object.freeze({
    ...DEFAULT_ROUTING,
    staleAfterMs: 3 * scrapeIntervalMs,
    scrapeIdleStopMs: Math.max(DEFAULT_ROUTING.scrapeIdleStopMs, 10 * scrapeIntervalMs),
    ...Object.fromEntries(Object.entries(options ?? {}).filter(([, value]) => value !== undefined)),
  }) as RoutingPolicy;
}
