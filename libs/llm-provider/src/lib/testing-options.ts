import type { BackendKind, LlmProviderOptions, RoleOptions, RoleTimeouts } from './llm.options';

const TIMEOUTS: RoleTimeouts = { connectMs: 1_000, firstTokenMs: 10_000, idleMs: 10_000, totalMs: 30_000 };

const list = (urls: string | readonly string[]): string[] => (typeof urls === 'string' ? [urls] : [...urls]);

/**
 * Options for tests: both backends' URLs (one, or a list of replicas), one provider and fallback for
 * every role, fast retries.
 */
export function testOptions(overrides: {
  provider: BackendKind;
  fallback?: BackendKind;
  vllmUrl: string | readonly string[];
  ollamaUrl: string | readonly string[];
  routing?: LlmProviderOptions['routing'];
  timeouts?: Partial<RoleTimeouts>;
  retry?: Partial<LlmProviderOptions['retry']>;
  breaker?: Partial<LlmProviderOptions['breaker']>;
  embeddingBatchSize?: number;
}): LlmProviderOptions {
  const role: RoleOptions = {
    provider: overrides.provider,
    fallback: overrides.fallback,
    model: 'llama3.2',
    timeouts: { ...TIMEOUTS, ...overrides.timeouts },
  };
  return {
    backends: { vllm: { urls: list(overrides.vllmUrl) }, ollama: { urls: list(overrides.ollamaUrl) } },
    roles: { chat: role, embedding: role, vision: role },
    modelNames: { 'llama3.2': 'meta-llama/Llama-3.2-3B-Instruct' },
    retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50, ...overrides.retry },
    breaker: {
      failureThreshold: 5,
      failureRate: 0.9,
      windowSize: 20,
      minCalls: 20,
      openMs: 30_000,
      ...overrides.breaker,
    },
    embeddingBatchSize: overrides.embeddingBatchSize ?? 2,
    routing: overrides.routing,
  };
}
