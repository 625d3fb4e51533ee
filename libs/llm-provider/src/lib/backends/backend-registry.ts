import type { LlmProviderOptions, LlmRole, BackendKind } from '../llm.options';
import { modelNameFor } from '../llm.options';
import { BreakerState, CircuitBreaker } from '../resilience/circuit-breaker';
import type { LlmBackend } from './llm-backend';
import { OllamaBackend } from './ollama.backend';
import { Replica, ReplicaPool } from './replica';
import { VllmBackend } from './vllm.backend';

/** One backend a role may use (all its replicas), with the model's name on it. */
export interface ChainLink {
  pool: ReplicaPool;
  model: string;
}

/**
 * What the call runner needs of the registry: each role's backends, primary first. This is where a
 * backend is chosen; which of its replicas serves is the router's choice, per attempt.
 */
export interface BackendChains {
  chain(role: LlmRole): readonly ChainLink[];
}

/** A replica and the roles it serves (as primary or fallback). */
export interface RegisteredReplica {
  replica: Replica;
  roles: LlmRole[];
}

type RegistryOptions = Pick<LlmProviderOptions, 'backends' | 'roles' | 'modelNames' | 'breaker' | 'trafficSplit'>;

/**
 * The backends of every role, each a pool of replicas: one replica per server (a kind at a URL) with its
 * own breaker, so roles that share a URL share its replica. Built at construction, never changed.
 */
export class BackendRegistry implements BackendChains {
  private readonly byKey = new Map<string, Replica>();
  private readonly chains = new Map<LlmRole, ChainLink[]>();

  constructor(
    private readonly options: RegistryOptions,
    onBreakerChange: (backend: string, state: BreakerState) => void = () => undefined,
  ) {
    for (const role of Object.keys(options.roles) as LlmRole[]) {
      const chain = this.chainKinds(role).map((kind) => ({
        pool: {
          kind,
          replicas: this.urlsOf(role, kind).map((url) => this.replica(kind, url, onBreakerChange)),
        },
        model: modelNameFor(kind, options.roles[role].model, options.modelNames),
      }));
      this.chains.set(role, chain);
    }
  }

  chain(role: LlmRole): readonly ChainLink[] {
    return this.chains.get(role) ?? [];
  }

  /** The role's first backend's replicas (its provider's). */
  primary(role: LlmRole): ReplicaPool {
    return this.chain(role)[0].pool;
  }

  /** The link of `kind` in the role's chain. */
  linkFor(role: LlmRole, kind: BackendKind): ChainLink | undefined {
    return this.chain(role).find((link) => link.pool.kind === kind);
  }

  /** The replica at `url` of `kind`, whichever roles it serves. */
  replicaAt(kind: BackendKind, url: string): Replica | undefined {
    return this.byKey.get(`${kind} ${url}`);
  }

  /** Every server once, in the order first configured, with the roles it serves. */
  all(): RegisteredReplica[] {
    return [...this.byKey.values()].map((replica) => ({
      replica,
      roles: (Object.keys(this.options.roles) as LlmRole[]).filter((role) =>
        this.chain(role).some((link) => link.pool.replicas.includes(replica)),
      ),
    }));
  }

  private chainKinds(role: LlmRole): BackendKind[] {
    const { provider, fallback } = this.options.roles[role];
    // A backend the default traffic split names joins the role (after its fallback), so a canary at 0
    // can be turned up at run time.
    const split = Object.keys(this.options.trafficSplit?.[role] ?? {}) as BackendKind[];
    return [...new Set([provider, ...(fallback ? [fallback] : []), ...split])];
  }

  /** A role's own URLs apply to its provider; its fallback uses the backend's. */
  private urlsOf(role: LlmRole, kind: BackendKind): string[] {
    const roleOptions = this.options.roles[role];
    const own = kind === roleOptions.provider ? roleOptions.urls : undefined;
    return own && own.length > 0 ? own : this.options.backends[kind].urls;
  }

  private replica(
    kind: BackendKind,
    url: string,
    onBreakerChange: (backend: string, state: BreakerState) => void,
  ): Replica {
    const key = `${kind} ${url}`;
    let replica = this.byKey.get(key);
    if (!replica) {
      const breaker = new CircuitBreaker(this.options.breaker, Date.now, (state) => onBreakerChange(key, state));
      onBreakerChange(key, 'closed');
      const backend: LlmBackend =
        kind === 'vllm'
          ? new VllmBackend(url, breaker, this.options.backends.vllm.apiKey)
          : new OllamaBackend(url, breaker);
      replica = new Replica(backend);
      this.byKey.set(key, replica);
    }
    return replica;
  }
}
