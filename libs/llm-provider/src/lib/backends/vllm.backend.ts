import { ChatOpenAICompletions, OpenAIEmbeddings } from '@langchain/openai';
import { CircuitBreaker } from '../resilience/circuit-breaker';
import { boundFetch } from './bound-fetch';
import type { LlmBackend, SamplingOptions } from './llm-backend';

/** vLLM (or any OpenAI-compatible server) through @langchain/openai's Chat Completions model. */
export class VllmBackend implements LlmBackend {
  readonly kind = 'vllm' as const;

  constructor(
    readonly url: string,
    readonly breaker: CircuitBreaker,
    private readonly apiKey?: string,
  ) {}

  ref(model?: string) {
    return { kind: this.kind, url: this.url, model };
  }

  private configuration(connectMs: number, signal: AbortSignal) {
    return { baseURL: `${this.url.replace(/\/$/, '')}/v1`, fetch: boundFetch(connectMs, signal) };
  }

  chatModel(model: string, sampling: SamplingOptions, connectMs: number, signal: AbortSignal) {
    return new ChatOpenAICompletions({
      model,
      // vLLM accepts any key unless started with --api-key; the client insists on one.
      apiKey: this.apiKey ?? 'not-needed',
      configuration: this.configuration(connectMs, signal),
      maxRetries: 0,
      streamUsage: true,
      maxTokens: sampling.maxTokens,
      temperature: sampling.temperature,
      topP: sampling.topP,
      stop: sampling.stop,
      modelKwargs: sampling.seed === undefined ? undefined : { seed: sampling.seed },
    });
  }

  embeddings(model: string, batchSize: number, connectMs: number, signal: AbortSignal) {
    return new OpenAIEmbeddings({
      model,
      apiKey: this.apiKey ?? 'not-needed',
      configuration: this.configuration(connectMs, signal),
      batchSize,
      maxRetries: 0,
      // Ask for plain floats: vLLM pooling models and the local server both answer them.
      encodingFormat: 'float',
    });
  }

  structuredOutputOptions(name: string, schema: Record<string, unknown>) {
    return { response_format: { type: 'json_schema', json_schema: { name, schema, strict: true } } };
  }

  async probe(signal: AbortSignal): Promise<void> {
    for (const path of ['/health', '/v1/models']) {
      const response = await fetch(`${this.url.replace(/\/$/, '')}${path}`, {
        signal,
        headers: this.apiKey ? { Authorization: `Bearer ${this.apiKey}` } : {},
      });
      if (!response.ok)
        throw Object.assign(new Error(`GET ${path} answered ${response.status}`), { status: response.status });
    }
  }
}
