import { ChatOllama, OllamaEmbeddings } from '@langchain/ollama';
import { CircuitBreaker } from '../resilience/circuit-breaker';
import { boundFetch } from './bound-fetch';
import type { LlmBackend, SamplingOptions } from './llm-backend';

/** Ollama through @langchain/ollama. */
export class OllamaBackend implements LlmBackend {
  readonly kind = 'ollama' as const;

  constructor(
    readonly url: string,
    readonly breaker: CircuitBreaker,
  ) {}

  ref(model?: string) {
    return { kind: this.kind, url: this.url, model };
  }

  /**
   * A model per attempt, its fetch bound to the attempt's signal: the ollama client takes no signal per
   * request, and the abort ChatOllama calls on a `signal` call option ends every stream of its client,
   * so a shared model would cancel other calls too.
   */
  chatModel(model: string, sampling: SamplingOptions, connectMs: number, signal: AbortSignal) {
    return new ChatOllama({
      model,
      baseUrl: this.url,
      fetch: boundFetch(connectMs, signal),
      maxRetries: 0,
      numPredict: sampling.maxTokens,
      temperature: sampling.temperature,
      topP: sampling.topP,
      seed: sampling.seed,
      stop: sampling.stop,
    });
  }

  embeddings(model: string, _batchSize: number, connectMs: number, signal: AbortSignal) {
    return new OllamaEmbeddings({ model, baseUrl: this.url, fetch: boundFetch(connectMs, signal), maxRetries: 0 });
  }

  structuredOutputOptions(_name: string, schema: Record<string, unknown>) {
    return { format: schema };
  }

  async probe(signal: AbortSignal): Promise<void> {
    const response = await fetch(`${this.url.replace(/\/$/, '')}/api/tags`, { signal });
    if (!response.ok)
      throw Object.assign(new Error(`GET /api/tags answered ${response.status}`), { status: response.status });
  }
}
