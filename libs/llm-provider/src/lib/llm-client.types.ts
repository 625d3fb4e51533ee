import type { SamplingOptions } from './backends/llm-backend';
import type { BackendRef } from './llm.errors';
import type { BackendKind, LlmRole } from './llm.options';

/** A message of a conversation; images are base64 (no data: prefix) and need the vision role. */
export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  images?: string[];
}

/** A JSON schema the server constrains the output to (vLLM response_format json_schema, Ollama format). */
export interface JsonOutputFormat {
  name: string;
  schema: Record<string, unknown>;
}

export interface ChatRequest extends SamplingOptions {
  messages: LlmMessage[];
  /** Constrain the output to this JSON schema; `structured` and `stream` validate it too, `chat` does not. */
  format?: JsonOutputFormat;
}

export interface CallOptions {
  /** The caller's cancellation: reaches the HTTP request. */
  signal?: AbortSignal;
  /** `vision` when the messages carry images; default `chat`. */
  role?: Extract<LlmRole, 'chat' | 'vision'>;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

/** Which backend served a call, and whether it was the fallback. */
export interface ServedBy extends BackendRef {
  fallback: boolean;
}

export interface ChatResult {
  text: string;
  finishReason: string;
  usage: Usage;
  backend: ServedBy;
  timings: { totalMs: number };
}

export interface StructuredResult<T> extends ChatResult {
  value: T;
}

export type StreamEvent =
  | { type: 'token'; text: string }
  | {
      type: 'end';
      finishReason: string;
      usage: Usage;
      backend: ServedBy;
      timings: { firstTokenMs: number; totalMs: number };
      /** The parsed JSON, when the request had a `format`. */
      value?: unknown;
    };

export interface EmbedResult {
  vectors: number[][];
  backend: ServedBy;
  /** Requests sent: ceil(texts / embeddingBatchSize). */
  requests: number;
}

export interface BackendHealth {
  kind: BackendKind;
  url: string;
  roles: LlmRole[];
  up: boolean;
  breaker: string;
  latencyMs: number;
  error?: string;
}
