// The only code that talks to LLM servers (vLLM, Ollama).

/** The typed facade: chat, stream, structured output, embeddings, vision, health. */
export { LlmClient, toLangChainMessages } from './lib/llm-client';
export type {
  BackendHealth,
  CallOptions,
  ChatRequest,
  ChatResult,
  EmbedResult,
  JsonOutputFormat,
  LlmMessage,
  ServedBy,
  StreamEvent,
  StructuredResult,
  Usage,
} from './lib/llm-client';
/** An engine's load from vLLM's metrics, for concurrency control. */
export { parseVllmMetrics } from './lib/engine-load';
export type { EngineLoad } from './lib/engine-load';
/** Normalised errors: callers decide retries from `retryable`, never from a vendor type. */
export {
  LlmAbortedError,
  LlmAuthError,
  LlmBadRequestError,
  LlmContextTooLongError,
  LlmError,
  LlmInvalidOutputError,
  LlmRateLimitError,
  LlmStreamInterruptedError,
  LlmTimeoutError,
  LlmUnavailableError,
} from './lib/llm.errors';
export type { BackendRef, LlmErrorKind, TimeoutPhase } from './lib/llm.errors';
/** Options, and the LLM_* environment variables an app's config folder validates. */
export { llmEnvShape, llmOptionsFromConfig, llmOptionsFromEnv, modelNameFor } from './lib/llm.options';
export type { BackendKind, LlmEnv, LlmProviderOptions, LlmRole, RoleOptions, RoleTimeouts } from './lib/llm.options';
/** LangChain chat model and embeddings that go through the same resilience. */
export { ResilientChatModel } from './lib/langchain/resilient-chat-model';
export { ResilientEmbeddings } from './lib/langchain/resilient-embeddings';
/** The Nest module; `new LlmClient(options)` is the plain factory for tools. */
export { LlmProviderModule } from './lib/nest/llm-provider.module';
export type { LlmProviderModuleAsyncOptions } from './lib/nest/llm-provider.module';
