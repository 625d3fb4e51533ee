import type { Embeddings } from '@langchain/core/embeddings';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { BackendRef } from '../llm.errors';
import type { BackendKind } from '../llm.options';
import type { CircuitBreaker } from '../resilience/circuit-breaker';

/** Sampling settings of one chat call. */
export interface SamplingOptions {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
}

/** One LLM server (a vLLM or an Ollama at a URL) with its circuit breaker. */
export interface LlmBackend {
  readonly kind: BackendKind;
  readonly url: string;
  readonly breaker: CircuitBreaker;
  ref(model?: string): BackendRef;
  /**
   * A LangChain chat model for one call attempt, which the caller invokes with `signal` as a call option
   * too. A backend whose vendor client passes that option on to its request returns a model shared by
   * calls (vLLM); one whose client does not binds `signal` into a model of its own (Ollama).
   */
  chatModel(model: string, sampling: SamplingOptions, connectMs: number, signal: AbortSignal): BaseChatModel;
  embeddings(model: string, batchSize: number, connectMs: number, signal: AbortSignal): Embeddings;
  /** Call options that make the server constrain output to a JSON schema. */
  structuredOutputOptions(name: string, schema: Record<string, unknown>): Record<string, unknown>;
  /** A cheap probe (never a generation): resolves when the server answers. */
  probe(signal: AbortSignal): Promise<void>;
}
