import type { SamplingOptions } from './backends/llm-backend';
import type { EngineLoad } from './engine-load';
import type { EmbeddingUse } from './resilience/embedding-slots';
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

export interface EmbedOptions {
  /** The caller's cancellation: ends the wait for a slot and the HTTP request. */
  signal?: AbortSignal;
  /** Whose slots the requests take: `bulk` for an ingest's chunks or a batch; default `interactive`. */
  use?: EmbeddingUse;
}

export interface EmbedResult {
  vectors: number[][];
  backend: ServedBy;
  /** Requests sent: ceil(texts / embeddingBatchSize). */
  requests: number;
}

/** One replica (one server) of a backend, probed: what /health/ready lists. */
export interface BackendHealth {
  kind: BackendKind;
  url: string;
  roles: LlmRole[];
  up: boolean;
  breaker: string;
  latencyMs: number;
  /** This client's calls on it now. */
  inFlight: number;
  error?: string;
}

/**
 * One replica of the backend serving a role, as the router sees it now (`LlmClient.replicaLoads`). A
 * concurrency controller sums what the replicas that are `up` take. Stable: add fields, never rename.
 */
export interface ReplicaLoad {
  backend: BackendKind;
  url: string;
  /** It takes calls: its breaker is not open. A replica down gets none. */
  up: boolean;
  breaker: 'closed' | 'open' | 'half_open';
  /** This client's calls on it now (a stream until its last token). */
  inFlight: number;
  /** Its engine's gauges (vLLM /metrics) when the last reading is fresh; undefined for Ollama or stale. */
  load?: EngineLoad;
  /** How old that reading is. */
  loadAgeMs?: number;
}
