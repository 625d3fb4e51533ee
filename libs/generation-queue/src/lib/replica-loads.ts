import type { EngineLoad, LlmClient } from '@rma/llm-provider';

/** One replica of the engine serving chat, as the provider sees it at one tick. */
export interface ReplicaLoad {
  /** Which replica (its URL): only for logs. */
  url: string;
  /** The engine kind serving chat (`vllm`, `ollama`): another kind taking over is learnt afresh. */
  backend?: string;
  /** Serving: it answers and its breaker is not open. A replica down counts for nothing. */
  up: boolean;
  /** Its own gauges (vLLM), when fresh; undefined for Ollama, which exports none. */
  load?: EngineLoad;
  /** How old that reading is; undefined: read just now. */
  loadAgeMs?: number;
}

/**
 * What the controller needs of the provider: every replica of the engine serving chat, with its load;
 * `fresh` reads the gauges now rather than taking the provider's last round (slow start's quick probes).
 */
export interface ReplicaLoadSource {
  replicaLoads(options?: { fresh?: boolean }): Promise<ReplicaLoad[]>;
}

/** What the controller sizes the global limit for: the replicas serving, and their gauges summed. */
export interface EnginesSeen {
  replicas: number;
  engine?: EngineLoad;
  /** The oldest reading summed, in ms; undefined when read just now. */
  ageMs?: number;
}

/**
 * The replicas serving and their gauges summed (running, waiting), with the fullest KV cache: the global
 * limit is the sum of what each replica takes, and one replica with a full cache is where requests queue.
 * Where replicas have gauges (vLLM), one without a fresh reading is not counted: its /metrics did not
 * answer (a process killed shows here at the provider's next scrape, before its breaker opens).
 */
export function sumReplicaLoads(replicas: readonly ReplicaLoad[]): EnginesSeen {
  const up = replicas.filter((replica) => replica.up);
  const gauged = up.map((replica) => replica.load).filter((load): load is EngineLoad => load !== undefined);
  if (gauged.length === 0) return { replicas: up.length };
  const ages = up.map((replica) => (replica.load ? replica.loadAgeMs : undefined)).filter((age) => age !== undefined);
  const usages = gauged.map((load) => load.kvCacheUsage).filter((usage): usage is number => usage !== undefined);
  return {
    replicas: gauged.length,
    engine: {
      running: gauged.reduce((sum, load) => sum + load.running, 0),
      waiting: gauged.reduce((sum, load) => sum + load.waiting, 0),
      kvCacheUsage: usages.length > 0 ? Math.max(...usages) : undefined,
    },
    ageMs: ages.length > 0 ? Math.max(...ages) : undefined,
  };
}

/**
 * A replica whose reading goes missing counts as gone only on the second tick in a row without one: one
 * slow /metrics (a busy host) is not a replica leaving, and the limit must not swing with it.
 */
export const ABSENT_TICKS = 2;

/** `sumReplicaLoads` with that grace, kept from tick to tick by the controller. */
export class ReplicaPresence {
  private readonly missing = new Map<string, number>();

  see(replicas: readonly ReplicaLoad[]): EnginesSeen {
    const seen = sumReplicaLoads(replicas);
    if (!seen.engine) {
      this.missing.clear();
      return seen;
    }
    let graced = 0;
    for (const replica of replicas) {
      if (!replica.up || replica.load) {
        this.missing.delete(replica.url);
        continue;
      }
      const ticks = (this.missing.get(replica.url) ?? 0) + 1;
      this.missing.set(replica.url, ticks);
      if (ticks < ABSENT_TICKS) graced += 1;
    }
    return { ...seen, replicas: seen.replicas + graced };
  }
}

/**
 * The provider's replicas when it lists them (`replicaLoads`); else its one engine, always counted as
 * serving (its gauges when it has them), as before replicas.
 */
export function replicaLoadSourceOf(llm: LlmClient): ReplicaLoadSource {
  const { replicaLoads } = llm as unknown as Partial<ReplicaLoadSource>;
  if (typeof replicaLoads === 'function') {
    return { replicaLoads: (options) => (replicaLoads as LlmClient['replicaLoads']).call(llm, 'chat', options) };
  }
  return {
    replicaLoads: async () => {
      const served = llm.serving('chat');
      return [{ url: served.url, backend: served.kind, up: true, load: await llm.engineLoad() }];
    },
  };
}
