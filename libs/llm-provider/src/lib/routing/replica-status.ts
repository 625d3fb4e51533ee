import type { BackendRegistry, ChainLink } from '../backends/backend-registry';
import type { Replica } from '../backends/replica';
import type { EngineLoad } from '../engine-load';
import type { BackendHealth, ReplicaLoad, ServedBy } from '../llm-client.types';
import type { ReplicaGaugeReading } from '../llm-metrics';
import type { LlmRole } from '../llm.options';
import type { EngineLoadScraper } from './engine-load-scraper';
import type { ReplicaRouter } from './replica-router';

/** How long `replicaLoads()` waits for a reading: the first when scraping was stopped, or a fresh one asked for. */
const FIRST_READING_MS = 1_000;

/**
 * What the client tells about its replicas: which backend serves a role now, each replica's state and
 * load (for a concurrency controller, /health/ready and the gauges).
 */
export class ReplicaStatus {
  constructor(
    private readonly backends: BackendRegistry,
    private readonly scraper: EngineLoadScraper,
    private readonly router: Pick<ReplicaRouter, 'loads'>,
  ) {}

  /**
   * The backend serving a role now: its primary while any of its replicas is healthy, else the first
   * fallback that has one (else the primary, all down).
   */
  servingLink(role: LlmRole): { link: ChainLink; fallback: boolean } {
    const chain = this.backends.chain(role);
    const index = chain.findIndex((link) => link.pool.replicas.some((replica) => replica.healthy));
    return { link: chain[Math.max(index, 0)], fallback: index > 0 };
  }

  serving(role: LlmRole): ServedBy {
    const { link, fallback } = this.servingLink(role);
    const replica = link.pool.replicas.find((candidate) => candidate.healthy) ?? link.pool.replicas[0];
    return { ...replica.backend.ref(link.model), fallback };
  }

  /**
   * Every replica of the backend serving the role now; scraping starts when stopped (first reading
   * awaited). `fresh`: the gauges are read now (awaited), not taken from the last round.
   */
  async replicaLoads(role: LlmRole, options: { fresh?: boolean } = {}): Promise<ReplicaLoad[]> {
    const round = options.fresh ? this.scraper.refresh() : this.scraper.touch();
    if (round) await Promise.race([round, new Promise((resolve) => setTimeout(resolve, FIRST_READING_MS).unref())]);
    const { link } = this.servingLink(role);
    return link.pool.replicas.map((replica) => this.loadOf(replica));
  }

  /** The serving backend's gauges summed over its replicas with a fresh reading (the fullest KV cache). */
  async engineLoad(role: LlmRole): Promise<EngineLoad | undefined> {
    const loads = (await this.replicaLoads(role)).filter((replica) => replica.up && replica.load);
    if (loads.length === 0) return undefined;
    const usages = loads.map((replica) => replica.load?.kvCacheUsage).filter((usage) => usage !== undefined);
    return {
      running: loads.reduce((sum, replica) => sum + (replica.load?.running ?? 0), 0),
      waiting: loads.reduce((sum, replica) => sum + (replica.load?.waiting ?? 0), 0),
      kvCacheUsage: usages.length > 0 ? Math.max(...usages) : undefined,
    };
  }

  loadOf(replica: Replica): ReplicaLoad {
    const reading = this.scraper.loadOf(replica);
    return {
      backend: replica.kind,
      url: replica.url,
      up: replica.healthy,
      breaker: replica.backend.breaker.state,
      inFlight: replica.inFlight,
      load: reading?.load,
      loadAgeMs: reading?.ageMs,
    };
  }

  /** Each replica of every backend probed cheaply (never a generation), with its breaker and in-flight calls. */
  async health(timeoutMs: number): Promise<BackendHealth[]> {
    return Promise.all(
      this.backends.all().map(async ({ replica, roles }) => {
        const { backend } = replica;
        const started = performance.now();
        const state = () => ({
          kind: backend.kind,
          url: backend.url,
          roles,
          breaker: backend.breaker.state,
          inFlight: replica.inFlight,
          latencyMs: performance.now() - started,
        });
        try {
          await backend.probe(AbortSignal.timeout(timeoutMs));
          return { ...state(), up: true };
        } catch (error) {
          return { ...state(), up: false, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
  }

  /** Every replica for the gauges, with the load the router weighs it by (among its backend's replicas). */
  gaugeReadings(): ReplicaGaugeReading[] {
    const replicas = this.backends.all().map(({ replica }) => replica);
    const loads = new Map<Replica, number>();
    for (const kind of ['vllm', 'ollama'] as const) {
      for (const [replica, load] of this.router.loads(replicas.filter((replica) => replica.kind === kind))) {
        loads.set(replica, load);
      }
    }
    return replicas.map((replica) => ({
      backend: replica.kind,
      url: replica.url,
      up: replica.healthy,
      inFlight: replica.inFlight,
      routingLoad: loads.get(replica),
    }));
  }
}
