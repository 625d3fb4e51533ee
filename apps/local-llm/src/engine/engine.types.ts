/** One chat message as both APIs carry it; images are base64 without a data: prefix. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  images?: string[];
}

/** What to generate: a raw prompt (completions) or a conversation (chat). */
export type GenerationInput = { kind: 'completion'; prompt: string } | { kind: 'chat'; messages: ChatMessage[] };

/** Constrained output: any JSON value, or JSON matching a schema. */
export type OutputFormat = { kind: 'json' } | { kind: 'json-schema'; schema: Record<string, unknown> };

export interface GenerationRequest {
  input: GenerationInput;
  /** Undefined means: until a stop, the end token or the context is full. */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  stop?: string[];
  format?: OutputFormat;
  /** vLLM's request priority (lower runs first), honoured by engines that schedule by priority. */
  priority?: number;
  signal: AbortSignal;
  /** Called with each piece of text as it is generated, in order. */
  onText?: (text: string) => void;
  /** Called as tokens are generated (vLLM counts generation tokens per engine step, not per request). */
  onTokens?: (count: number) => void;
}

export type FinishReason = 'stop' | 'length';

export interface GenerationResult {
  text: string;
  finishReason: FinishReason;
  /** The stop string that ended generation (vLLM's `stop_reason`); absent for the end token or a length stop. */
  stopReason?: string;
  promptTokens: number;
  /** Prompt tokens found in the prefix cache when the request was first scheduled (vLLM's num_cached_tokens). */
  cachedTokens?: number;
  completionTokens: number;
  /** Time spent waiting for a free sequence, and from start to the first token. */
  queueMs: number;
  firstTokenMs?: number;
  totalMs: number;
}

export interface EmbeddingResult {
  vectors: number[][];
  promptTokens: number;
}

/** The scheduler's state right now, for /metrics. */
export interface EngineLoad {
  running: number;
  waiting: number;
  /** Fraction (0..1) of the KV cache in use. */
  kvCacheUsage: number;
}

/** The KV cache as vLLM reports it: its shape, and prefix-cache lookups of new requests so far, in tokens. */
export interface KvCacheReport {
  blockSize: number;
  numBlocks: number;
  prefixCaching: boolean;
  queries: number;
  hits: number;
}

export interface ModelInfo {
  contextLength: number;
  embeddingLength: number;
  parameterCount: number;
  quantization: string;
  family: string;
  fileBytes: number;
  digest: string;
}

/**
 * An inference engine behind the HTTP layer. Engines schedule their own work: at most `parallel`
 * generations run, the rest wait in order up to the queue bound.
 */
export interface LlmEngine {
  readonly model: ModelInfo;
  /** Set by simulated engines: reported with every response so no one takes scaled time for real time. */
  readonly simulation?: { profile: string; timeScale: number; speed: number; clockMs: number };
  generate(request: GenerationRequest): Promise<GenerationResult>;
  embed(texts: string[], signal: AbortSignal): Promise<EmbeddingResult>;
  countTokens(text: string): number;
  load(): EngineLoad;
  /** Engines that model vLLM's paged KV cache report it; others have no prefix cache to count. */
  kvCache?(): KvCacheReport;
  close(): Promise<void>;
}
