// The only code that talks to LLM servers (vLLM, Ollama).

/**
 * The typed facade: chat, stream, structured output, embeddings, vision, health; `serving(role)` names the
 * backend serving a role now (the fallback while every primary replica's breaker is open), and
 * `replicaLoads(role)` lists its replicas with their state and load, for a concurrency limit.
 */
export { LlmClient } from './lib/llm-client';
/** Our messages as LangChain's, for chains that call ResilientChatModel. */
export { toLangChainMessages } from './lib/langchain/langchain-messages';
/** The facade's requests, results and stream events. */
export type {
  BackendHealth,
  CallOptions,
  ChatRequest,
  ChatResult,
  EmbedOptions,
  EmbedResult,
  JsonOutputFormat,
  LlmMessage,
  ReplicaLoad,
  ServedBy,
  StreamEvent,
  StructuredResult,
  Usage,
} from './lib/llm-client.types';
/** Structured output's one JSON-schema cleaning and one zod-issue wording, for code that queues requests. */
export { cleanJsonSchema, describeZodIssues, jsonSchemaOf } from './lib/structured-output';
/** An engine's load from vLLM's metrics, for concurrency control. */
export { parseVllmMetrics } from './lib/engine-load';
export type { EngineLoad } from './lib/engine-load';
/**
 * Normalised errors: callers decide retries from `retryable` (and `attempts`, what the client already
 * made), never from a vendor type.
 */
export {
  LlmAbortedError,
  LlmAuthError,
  LlmBadRequestError,
  LlmContextTooLongError,
  LlmError,
  LlmInvalidOutputError,
  LlmOverloadedError,
  LlmRateLimitError,
  LlmStreamInterruptedError,
  LlmTimeoutError,
  LlmUnavailableError,
} from './lib/llm.errors';
export type { BackendRef, LlmErrorKind, TimeoutPhase } from './lib/llm.errors';
/** How a call picks a backend's replica (least loaded with prefix affinity, or round robin), and why it did. */
export { DEFAULT_ROUTING, ROUTING_STRATEGIES } from './lib/routing/routing-policy';
export type { RoutingOptions, RoutingStrategy } from './lib/routing/routing-policy';
export type { RouteReason } from './lib/routing/replica-router';
/**
 * The traffic split between backends per role (a canary): its text form (LLM_TRAFFIC_SPLIT), its check,
 * and the Redis hash every process reads it from (`LlmClient.trafficSplit` is the split in effect).
 */
export { checkShares, formatTrafficSplit, parseTrafficSplit, TrafficSplitError } from './lib/routing/traffic-split';
export type { TrafficShares, TrafficSplit } from './lib/routing/traffic-split';
export { TRAFFIC_SPLIT_KEY } from './lib/routing/traffic-split.watcher';
/** The per-process bound on embedding requests, per use (interactive, bulk). */
export { DEFAULT_EMBEDDING_LIMITS } from './lib/resilience/embedding-slots';
export type { EmbeddingLimits, EmbeddingUse, SlotLimits } from './lib/resilience/embedding-slots';
/** Options, and the LLM_* environment variables an app's config folder validates. */
export { llmEnvShape, llmOptionsFromConfig, llmOptionsFromEnv, modelNameFor } from './lib/llm.options';
export type { BackendKind, LlmEnv, LlmProviderOptions, LlmRole, RoleOptions, RoleTimeouts } from './lib/llm.options';
/** LangChain chat model and embeddings that go through the same resilience. */
export { ResilientChatModel } from './lib/langchain/resilient-chat-model';
export { ResilientEmbeddings } from './lib/langchain/resilient-embeddings';
/** The Nest module; `new LlmClient(options)` is the plain factory for tools. */
export { LlmProviderModule } from './lib/nest/llm-provider.module';
export type { LlmProviderModuleAsyncOptions } from './lib/nest/llm-provider.module-definition';
