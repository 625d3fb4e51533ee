import type { LlmProviderOptions, LlmRole, BackendKind } from '../llm.options';
import { modelNameFor } from '../llm.options';
import { BreakerState, CircuitBreaker } from '../resilience/circuit-breaker';
import type { LlmBackend } from './llm-backend';
import { OllamaBackend } from './ollama.backend';
import { VllmBackend } from './vllm.backend';

/** One backend a role may use, with the model's name on it. */
export interface ChainLink {
  backend: LlmBackend;
  model: string;
}

/** What the call runner needs of the registry: each role's backends, primary first. */
export interface BackendChains {
  chain(role: LlmRole): readonly ChainLink[];
}

/** A backend and the roles it serves (as primary or fallback). */
export interface RegisteredBackend {
  backend: LlmBackend;
  roles: LlmRole[];
}

type RegistryOptions = Pick<LlmProviderOptions, 'backends' | 'roles' | 'modelNames' | 'breaker'>;

/**
 * The backends of every role: one per server (a kind at a URL) with its own breaker, so roles that
 * share a URL share its breaker. Built at construction, never changed.
 */
export class BackendRegistry implements BackendChains {
  private readonly byKey = new Map<string, LlmBackend>();
  private readonly chains = new Map<LlmRole, ChainLink[]>();

  constructor(
    private readonly options: RegistryOptions,
    onBreakerChange: (backend: string, state: BreakerState) => void = () => undefined,
  ) {
    for (const role of Object.keys(options.roles) as LlmRole[]) {
      const chain = this.chainKinds(role).map((kind) => ({
        backend: this.create(role, kind, onBreakerChange),
        model: modelNameFor(kind, options.roles[role].model, options.modelNames),
      }));
      this.chains.set(role, chain);
    }
  }

  chain(role: LlmRole): readonly ChainLink[] {
    return this.chains.get(role) ?? [];
  }

  /** The role's first backend (its provider). */
  primary(role: LlmRole): LlmBackend {
    return this.chain(role)[0].backend;
  }

  /** The backend of `kind` in the role's chain. */
  backendFor(role: LlmRole, kind: BackendKind): LlmBackend | undefined {
    return this.chain(role).find((link) => link.backend.kind === kind)?.backend;
  }

  /** Every server once, in the order first configured, with the roles it serves. */
  all(): RegisteredBackend[] {
    return [...this.byKey.values()].map((backend) => ({
      backend,
      roles: (Object.keys(this.options.roles) as LlmRole[]).filter((role) =>
        this.chain(role).some((link) => link.backend === backend),
      ),
    }));
  }

  private chainKinds(role: LlmRole): BackendKind[] {
    const { provider, fallback } = this.options.roles[role];
    return fallback && fallback !== provider ? [provider, fallback] : [provider];
  }

  private create(
    role: LlmRole,
    kind: BackendKind,
    onBreakerChange: (backend: string, state: BreakerState) => void,
  ): LlmBackend {
    const roleOptions = this.options.roles[role];
    const url = kind === roleOptions.provider && roleOptions.url ? roleOptions.url : this.options.backends[kind].url;
    const key = `${kind} ${url}`;
    let backend = this.byKey.get(key);
    if (!backend) {
      const breaker = new CircuitBreaker(this.options.breaker, Date.now, (state) => onBreakerChange(key, state));
      onBreakerChange(key, 'closed');
      backend =
        kind === 'vllm'
          ? new VllmBackend(url, breaker, this.options.backends.vllm.apiKey)
          : new OllamaBackend(url, breaker);
      this.byKey.set(key, backend);
    }
    return backend;
  }
}
