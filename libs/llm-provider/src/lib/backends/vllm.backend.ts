import { ChatOpenAICompletions, OpenAIEmbeddings } from '@langchain/openai';
import { CircuitBreaker } from '../resilience/circuit-breaker';
import { boundFetch, connectFetch } from './bound-fetch';
import type { LlmBackend, SamplingOptions } from './llm-backend';

/** Chat models kept per backend: one per model, sampling settings and connect timeout in use. */
const MAX_CHAT_MODELS = 32;

/** vLLM (or any OpenAI-compatible server) through @langchain/openai's Chat Completions model. */
export class VllmBackend implements LlmBackend {
  readonly kind = 'vllm' as const;
  /** Least recently used first: building a model (and its OpenAI client) costs about 0.25 ms a call. */
  private readonly chatModels = new Map<string, ChatOpenAICompletions>();

  constructor(
    readonly url: string,
    readonly breaker: CircuitBreaker,
    private readonly apiKey?: string,
  ) {}

  ref(model?: string) {
    return { kind: this.kind, url: this.url, model };
  }

  private baseURL() {
    return `${this.url.replace(/\/$/, '')}/v1`;
  }

  /**
   * One model per model name, sampling settings and connect timeout, shared by every call: the caller
   * passes the attempt's signal as LangChain's `signal` call option, which the OpenAI SDK hands to each
   * request's fetch (a chat call makes one request), so no fetch needs binding to it.
   */
  chatModel(model: string, sampling: SamplingOptions, connectMs: number) {
    const { maxTokens, temperature, topP, seed, stop } = sampling;
    const key = JSON.stringify([model, connectMs, maxTokens, temperature, topP, seed, stop]);
    let chat = this.chatModels.get(key);
    if (chat) {
      this.chatModels.delete(key);
    } else {
      chat = new ChatOpenAICompletions({
        model,
        // vLLM accepts any key unless started with --api-key; the client insists on one.
        apiKey: this.apiKey ?? 'not-needed',
        configuration: { baseURL: this.baseURL(), fetch: connectFetch(connectMs) },
        maxRetries: 0,
        streamUsage: true,
        maxTokens,
        temperature,
        topP,
        stop,
        modelKwargs: seed === undefined ? undefined : { seed },
      });
      if (this.chatModels.size >= MAX_CHAT_MODELS) {
        const [oldest] = this.chatModels.keys();
        this.chatModels.delete(oldest);
      }
    }
    this.chatModels.set(key, chat);
    return chat;
  }

  embeddings(model: string, batchSize: number, connectMs: number, signal: AbortSignal) {
    return new OpenAIEmbeddings({
      model,
      apiKey: this.apiKey ?? 'not-needed',
      // embedDocuments takes no signal: this model's fetch is bound to the attempt's.
      configuration: { baseURL: this.baseURL(), fetch: boundFetch(connectMs, signal) },
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
