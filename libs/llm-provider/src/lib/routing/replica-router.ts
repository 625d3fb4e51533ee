import type { Replica, ReplicaPool } from '../backends/replica';
import type { EngineLoadScraper } from './engine-load-scraper';
import { PrefixAffinity } from './prefix-affinity';
import type { RoutingPolicy } from './routing-policy';

/** Why a replica was picked; the `reason` label of `llm_route_decisions_total`. */
export type RouteReason =
  /** The backend has one replica. */
  | 'only_replica'
  /** One replica of several is healthy (the others' breakers are open, or they failed this call). */
  | 'only_healthy'
  | 'least_loaded'
  /** The replica that took this prefix last, within the margin of the least loaded. */
  | 'affinity'
  /** That replica was loaded beyond the margin: the least loaded took it. */
  | 'affinity_broken'
  | 'round_robin'
  /** The call failed on another replica before its first token reached the caller. */
  | 'failover'
  /** Every healthy replica failed this call: tried again after the backoff, on the least loaded. */
  | 'retry';

/** What a call asks of the router. */
export interface RouteRequest {
  /** The request's shared prefix (see `prefixKeyOf`). */
  prefixKey?: string;
  /** Replicas this call already failed on: not picked. */
  exclude?: ReadonlySet<Replica>;
  /** Set after a failure: the decision is counted under this reason. */
  after?: 'failover' | 'retry';
}

/** A replica that took the call: its breaker let it through and its in-flight count holds the call until `end`. */
export interface Route {
  replica: Replica;
  reason: RouteReason;
  end: () => void;
}

/**
 * Picks the replica of a backend for each attempt (the backend itself was chosen before: see
 * BackendChains). Least loaded by this client's in-flight count and, when every candidate's reading is
 * fresh, its engine's gauges; a shared prefix stays on the replica that took it last within a margin.
 * Round robin ignores load, for comparison.
 */
export class ReplicaRouter {
  private readonly affinity: PrefixAffinity;
  private readonly cursors = new WeakMap<ReplicaPool, number>();

  constructor(
    private readonly policy: RoutingPolicy,
    private readonly scraper: Pick<EngineLoadScraper, 'loadOf' | 'touch'>,
    private readonly onDecision: (replica: Replica, reason: RouteReason) => void = () => undefined,
  ) {
    this.affinity = new PrefixAffinity(policy.affinityMaxPrefixes);
  }

  /** Picks a replica whose breaker lets the call through, best first; undefined when none will. */
  acquire(pool: ReplicaPool, request: RouteRequest = {}): Route | undefined {
    const candidates = pool.replicas.filter((replica) => replica.healthy && !request.exclude?.has(replica));
    if (candidates.length === 0) return undefined;
    const { order, reason } = this.rank(pool, candidates, request.prefixKey);
    for (const replica of order) {
      if (!replica.backend.breaker.tryAcquire()) continue;
      const decided = request.after ?? (pool.replicas.length === 1 ? 'only_replica' : reason);
      if (request.prefixKey && this.policy.affinityMargin > 0) this.affinity.set(request.prefixKey, replica);
      this.onDecision(replica, decided);
      return { replica, reason: decided, end: replica.begin() };
    }
    return undefined;
  }

  /**
   * Each candidate's load, in requests: its engine's gauges when every candidate has a fresh reading
   * (else a replica without one would look idle next to those with one), or this client's in-flight count.
   */
  loads(candidates: readonly Replica[]): Map<Replica, number> {
    const readings = candidates.map((replica) => this.scraper.loadOf(replica)?.load);
    const engineAware = readings.every((reading) => reading !== undefined);
    return new Map(
      candidates.map((replica, index) => {
        const engine = engineAware ? readings[index] : undefined;
        if (!engine) return [replica, replica.inFlight];
        // Our own calls are in the engine's counts once it saw them; in-flight covers the scrape's lag.
        const load =
          Math.max(replica.inFlight, engine.running + engine.waiting) +
          this.policy.waitingWeight * engine.waiting +
          this.policy.kvCacheWeight * (engine.kvCacheUsage ?? 0);
        return [replica, load];
      }),
    );
  }

  private rank(
    pool: ReplicaPool,
    candidates: Replica[],
    prefixKey: string | undefined,
  ): { order: Replica[]; reason: RouteReason } {
    // Rotating where the scan starts spreads ties (every replica idle) instead of piling them on the first.
    const cursor = this.cursors.get(pool) ?? 0;
    this.cursors.set(pool, cursor + 1);
    const rotated = candidates.map((_, index) => candidates[(cursor + index) % candidates.length]);
    if (candidates.length === 1) return { order: rotated, reason: 'only_healthy' };
    if (this.policy.strategy === 'round-robin') return { order: rotated, reason: 'round_robin' };
    if (pool.replicas.length > 1 && pool.kind === 'vllm') this.scraper.touch();
    const loads = this.loads(candidates);
    const order = [...rotated].sort((a, b) => (loads.get(a) as number) - (loads.get(b) as number));
    if (!prefixKey || this.policy.affinityMargin <= 0) return { order, reason: 'least_loaded' };
    const last = this.affinity.get(prefixKey);
    if (!last || !candidates.includes(last)) return { order, reason: 'least_loaded' };
    if (last === order[0]) return { order, reason: 'affinity' };
    const excess = (loads.get(last) as number) - (loads.get(order[0]) as number);
    if (excess > this.policy.affinityMargin) return { order, reason: 'affinity_broken' };
    return { order: [last, ...order.filter((replica) => replica !== last)], reason: 'affinity' };
  }
}
