import { AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { z } from 'zod';
import type { LlmBackend, SamplingOptions } from './backends/llm-backend';
import { OllamaBackend } from './backends/ollama.backend';
import { VllmBackend } from './backends/vllm.backend';
import { EngineLoad, parseVllmMetrics } from './engine-load';
import {
  BackendRef,
  LlmAbortedError,
  LlmError,
  LlmInvalidOutputError,
  LlmStreamInterruptedError,
  LlmTimeoutError,
  LlmUnavailableError,
} from './llm.errors';
import { LlmMetrics } from './llm-metrics';
import { BackendKind, LlmProviderOptions, LlmRole, RoleTimeouts, modelNameFor } from './llm.options';
import { normalizeError } from './normalize-error';
import { retryDelayMs, sleep } from './resilience/backoff';
import { CircuitBreaker } from './resilience/circuit-breaker';

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

interface Attempt {
  backend: LlmBackend;
  model: string;
  signal: AbortSignal;
  timeouts: RoleTimeouts;
  /** Call when a token arrives: stops the first-token timer and restarts the idle one. */
  onChunk: () => void;
}

/** Timers of one attempt: first token, then the gap between chunks; `expired` says which fired. */
class AttemptGuard {
  readonly controller = new AbortController();
  expired?: LlmTimeoutError;
  private timer?: NodeJS.Timeout;
  private started = false;

  constructor(
    private readonly timeouts: RoleTimeouts,
    private readonly backend: BackendRef,
  ) {
    this.arm('first_token', timeouts.firstTokenMs);
  }

  chunk(): void {
    this.started = true;
    this.arm('idle', this.timeouts.idleMs);
  }

  /** The answer arrived whole (not streamed): no idle timer after it. */
  stop(): void {
    clearTimeout(this.timer);
  }

  get streaming(): boolean {
    return this.started;
  }

  private arm(phase: 'first_token' | 'idle', ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.expired = new LlmTimeoutError(phase, ms, { backend: this.backend });
      this.controller.abort(this.expired);
    }, ms);
  }
}

const FINISH_KEYS = ['finish_reason', 'done_reason'] as const;

function finishReasonOf(message: BaseMessage | undefined): string {
  const metadata = (message?.response_metadata ?? {}) as Record<string, unknown>;
  for (const key of FINISH_KEYS) if (typeof metadata[key] === 'string') return metadata[key] as string;
  return 'stop';
}

function usageOf(message: AIMessage | AIMessageChunk | undefined): Usage {
  return {
    promptTokens: message?.usage_metadata?.input_tokens ?? 0,
    completionTokens: message?.usage_metadata?.output_tokens ?? 0,
  };
}

function textOf(message: BaseMessage): string {
  return typeof message.content === 'string'
    ? message.content
    : message.content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : '')).join('');
}

/** Our messages as LangChain's: images become image_url parts (vLLM) that Ollama's client turns into `images`. */
export function toLangChainMessages(messages: LlmMessage[]): BaseMessage[] {
  return messages.map((message) => {
    if (message.role === 'system') return new SystemMessage(message.content);
    if (message.role === 'assistant') return new AIMessage(message.content);
    if (!message.images?.length) return new HumanMessage(message.content);
    return new HumanMessage({
      content: [
        { type: 'text', text: message.content },
        ...message.images.map((image) => ({
          type: 'image_url' as const,
          image_url: { url: `data:image/png;base64,${image}` },
        })),
      ],
    });
  });
}

/**
 * The one way RMA reaches an LLM: vLLM or Ollama per role, with timeouts, retries with backoff, a
 * circuit breaker per backend and a silent fallback before the first token (never after it). Every
 * result says which backend served it; every failure is an LlmError.
 */
export class LlmClient {
  readonly metrics: LlmMetrics;
  private readonly backends = new Map<string, LlmBackend>();

  constructor(private readonly options: LlmProviderOptions) {
    this.metrics = new LlmMetrics(options.registry);
    for (const role of Object.keys(options.roles) as LlmRole[]) {
      for (const kind of this.chainKinds(role)) this.backendFor(role, kind);
    }
  }

  /** A chat completion, not streamed. */
  async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    return this.chatMessages(toLangChainMessages(request.messages), request, options, formatOptions(request.format));
  }

  /** Tokens as they are generated, then one `end` event with usage and the backend. */
  async *stream(request: ChatRequest, options: CallOptions = {}): AsyncGenerator<StreamEvent> {
    const messages = toLangChainMessages(request.messages);
    let text = '';
    for await (const event of this.streamMessages(messages, request, options, formatOptions(request.format))) {
      if (event.type === 'chunk') {
        const token = textOf(event.chunk);
        if (!token) continue;
        if (request.format) text += token;
        yield { type: 'token', text: token };
      } else if (request.format) {
        // The tokens already went out: no corrective retry, but the caller learns whether the JSON holds.
        const parsed = parseAgainst(z.fromJSONSchema(request.format.schema), text);
        if (!parsed.ok) {
          throw new LlmInvalidOutputError(`structured output did not validate: ${parsed.error}`, text, {
            backend: event.end.backend,
          });
        }
        yield { ...event.end, value: parsed.value };
      } else {
        yield event.end;
      }
    }
  }

  /**
   * Output that validates against a zod schema, constrained by the server (vLLM response_format
   * json_schema, Ollama format). One corrective retry when it does not validate; then LlmInvalidOutputError.
   */
  async structured<Schema extends z.ZodType>(
    request: ChatRequest & { schemaName?: string },
    schema: Schema,
    options: CallOptions = {},
  ): Promise<StructuredResult<z.output<Schema>>> {
    // A request that carries its JSON Schema (a queued job's, which the worker rebuilt as zod) sends that
    // one: a JSON Schema -> zod -> JSON Schema round trip is not the same schema (a date's format and
    // pattern come back as an allOf of two patterns).
    const { $schema: _ignored, ...jsonSchema } = (request.format?.schema ?? z.toJSONSchema(schema)) as Record<
      string,
      unknown
    >;
    const name = request.schemaName ?? request.format?.name ?? 'output';
    let messages = toLangChainMessages(request.messages);
    const usage: Usage = { promptTokens: 0, completionTokens: 0 };
    for (let round = 1; ; round += 1) {
      const result = await this.chatMessages(messages, request, options, (backend) =>
        backend.structuredOutputOptions(name, jsonSchema),
      );
      usage.promptTokens += result.usage.promptTokens;
      usage.completionTokens += result.usage.completionTokens;
      const problem = parseAgainst(schema, result.text);
      if (problem.ok) return { ...result, usage, value: problem.value };
      if (round === 2) {
        throw new LlmInvalidOutputError(
          `structured output did not validate after a corrective retry: ${problem.error}`,
          result.text,
          {
            backend: result.backend,
          },
        );
      }
      messages = [
        ...messages,
        new AIMessage(result.text),
        new HumanMessage(
          `That answer does not match the required JSON schema (${problem.error}). Reply again with only JSON that matches it.`,
        ),
      ];
    }
  }

  /** Embeddings for many texts, in as few requests as the batch size allows, in order. */
  async embed(texts: string[], options: { signal?: AbortSignal } = {}): Promise<EmbedResult> {
    const size = this.options.embeddingBatchSize;
    const vectors: number[][] = [];
    let backend: ServedBy | undefined;
    let requests = 0;
    for (let start = 0; start < texts.length; start += size) {
      const batch = texts.slice(start, start + size);
      const { value, servedBy } = await this.execute('embedding', 'embed', options.signal, async (attempt) => {
        const embeddings = attempt.backend.embeddings(attempt.model, size, attempt.timeouts.connectMs, attempt.signal);
        return embeddings.embedDocuments(batch);
      });
      vectors.push(...value);
      backend = servedBy;
      requests += 1;
    }
    return {
      vectors,
      backend: backend ?? {
        ...this.backendFor('embedding', this.options.roles.embedding.provider).ref(),
        fallback: false,
      },
      requests,
    };
  }

  /** Each configured backend probed cheaply (never a generation), with its breaker state. */
  async health(timeoutMs = 2_000): Promise<BackendHealth[]> {
    const entries = [...this.backends.entries()];
    return Promise.all(
      entries.map(async ([key, backend]) => {
        const roles = (Object.keys(this.options.roles) as LlmRole[]).filter((role) =>
          this.chainKinds(role).some((kind) => this.backendKey(role, kind) === key),
        );
        const started = performance.now();
        try {
          await backend.probe(AbortSignal.timeout(timeoutMs));
          return {
            kind: backend.kind,
            url: backend.url,
            roles,
            up: true,
            breaker: backend.breaker.state,
            latencyMs: performance.now() - started,
          };
        } catch (error) {
          return {
            kind: backend.kind,
            url: backend.url,
            roles,
            up: false,
            breaker: backend.breaker.state,
            latencyMs: performance.now() - started,
            error: error instanceof Error ? error.message : String(error),
          };
        }
      }),
    );
  }

  /**
   * The primary chat backend's load from its /metrics (vLLM only; Ollama exports none): what a
   * concurrency controller reads. Undefined when the backend has no such metrics or does not answer.
   */
  async engineLoad(timeoutMs = 1_000): Promise<EngineLoad | undefined> {
    const backend = this.backendFor('chat', this.options.roles.chat.provider);
    if (backend.kind !== 'vllm') return undefined;
    try {
      const response = await fetch(`${backend.url.replace(/\/$/, '')}/metrics`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      return response.ok ? parseVllmMetrics(await response.text()) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Which engine kind serves chat first. */
  get primaryKind(): BackendKind {
    return this.options.roles.chat.provider;
  }

  /** For the LangChain adapters: a chat call on LangChain messages. */
  async chatMessages(
    messages: BaseMessage[],
    sampling: SamplingOptions,
    options: CallOptions = {},
    callOptions?: (backend: LlmBackend) => Record<string, unknown>,
  ): Promise<ChatResult & { message: AIMessage }> {
    const role = options.role ?? 'chat';
    const started = performance.now();
    const { value: message, servedBy } = await this.execute(role, 'chat', options.signal, async (attempt) => {
      const model = attempt.backend.chatModel(attempt.model, sampling, attempt.timeouts.connectMs, attempt.signal);
      return (await model.invoke(messages, {
        signal: attempt.signal,
        ...(callOptions?.(attempt.backend) ?? {}),
      })) as AIMessage;
    });
    const usage = usageOf(message);
    this.countTokens(servedBy, role, usage);
    return {
      message,
      text: textOf(message),
      finishReason: finishReasonOf(message),
      usage,
      backend: servedBy,
      timings: { totalMs: performance.now() - started },
    };
  }

  /** For the LangChain adapters: a stream of LangChain chunks, then the end event. */
  async *streamMessages(
    messages: BaseMessage[],
    sampling: SamplingOptions,
    options: CallOptions = {},
    callOptions?: (backend: LlmBackend) => Record<string, unknown>,
  ): AsyncGenerator<
    { type: 'chunk'; chunk: AIMessageChunk } | { type: 'end'; end: Extract<StreamEvent, { type: 'end' }> }
  > {
    const role = options.role ?? 'chat';
    const started = performance.now();
    const total = this.totalTimer(role, options.signal);
    let iterator: AsyncIterator<AIMessageChunk> | undefined;
    let attemptGuard: AttemptGuard | undefined;
    try {
      // Up to the first token the call may be retried or fall back; after it, it belongs to one backend.
      const { value: first, servedBy } = await this.execute(
        role,
        'stream',
        options.signal,
        async (attempt, guard) => {
          const model = attempt.backend.chatModel(attempt.model, sampling, attempt.timeouts.connectMs, attempt.signal);
          const stream = await model.stream(messages, {
            signal: attempt.signal,
            ...(callOptions?.(attempt.backend) ?? {}),
          });
          const opened = stream[Symbol.asyncIterator]();
          for (;;) {
            const next = await opened.next();
            if (next.done) return { iterator: opened, chunk: undefined };
            attempt.onChunk();
            // Usage-only and empty chunks are not the first token.
            if (textOf(next.value)) {
              attemptGuard = guard;
              return { iterator: opened, chunk: next.value };
            }
          }
        },
        total,
      );
      iterator = first.iterator;
      const firstTokenMs = performance.now() - started;
      this.metrics.timeToFirstToken.observe({ backend: servedBy.kind, role }, firstTokenMs / 1000);
      let last: AIMessageChunk | undefined = first.chunk;
      let usage = usageOf(first.chunk);
      let finishReason = finishReasonOf(first.chunk);
      if (first.chunk) yield { type: 'chunk', chunk: first.chunk };
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done) break;
          attemptGuard?.chunk();
          last = next.value;
          if (last.usage_metadata) usage = usageOf(last);
          if (FINISH_KEYS.some((key) => key in (last?.response_metadata ?? {}))) finishReason = finishReasonOf(last);
          yield { type: 'chunk', chunk: last };
        }
      } catch (raw) {
        const error = this.classify(
          raw,
          servedBy,
          this.options.roles[role].timeouts,
          options.signal,
          total,
          attemptGuard,
        );
        if (error instanceof LlmAbortedError) throw error;
        this.backendFor(role, servedBy.kind).breaker.recordFailure();
        this.metrics.errors.inc({ backend: servedBy.kind, role, kind: 'stream', error: error.kind });
        throw new LlmStreamInterruptedError(
          `the stream from ${servedBy.kind} broke after its first token: ${error.message}`,
          {
            backend: servedBy,
            status: error.status,
            cause: error,
          },
        );
      } finally {
        attemptGuard?.stop();
      }
      this.countTokens(servedBy, role, usage);
      const totalMs = performance.now() - started;
      this.metrics.duration.observe({ backend: servedBy.kind, role, kind: 'stream' }, totalMs / 1000);
      yield {
        type: 'end',
        end: { type: 'end', finishReason, usage, backend: servedBy, timings: { firstTokenMs, totalMs } },
      };
    } finally {
      total.dispose();
      // A caller that stops reading ends the HTTP request too.
      if (iterator?.return) await iterator.return(undefined).catch(() => undefined);
    }
  }

  /**
   * Runs one call on the role's backends in order: attempts with backoff on retryable failures (Retry-After
   * honoured), the breaker consulted before each, then the fallback when the failure says another backend
   * may serve. Bad requests, auth and context errors never fall back.
   */
  private async execute<T>(
    role: LlmRole,
    kind: string,
    signal: AbortSignal | undefined,
    call: (attempt: Attempt, guard: AttemptGuard) => Promise<T>,
    existingTotal?: TotalTimer,
  ): Promise<{ value: T; servedBy: ServedBy }> {
    const roleOptions = this.options.roles[role];
    const total = existingTotal ?? this.totalTimer(role, signal);
    const started = performance.now();
    const kinds = this.chainKinds(role);
    let lastError: LlmError | undefined;
    try {
      for (const [index, backendKind] of kinds.entries()) {
        const backend = this.backendFor(role, backendKind);
        const model = modelNameFor(backendKind, roleOptions.model, this.options.modelNames);
        const fallback = index > 0;
        if (fallback && lastError) {
          this.metrics.fallbacks.inc({ role, from: kinds[index - 1], to: backendKind, reason: lastError.kind });
        }
        for (let attemptNumber = 1; attemptNumber <= this.options.retry.maxAttempts; attemptNumber += 1) {
          if (!backend.breaker.tryAcquire()) {
            lastError = new LlmUnavailableError(`the circuit breaker for ${backendKind} at ${backend.url} is open`, {
              backend: backend.ref(model),
            });
            break;
          }
          const guard = new AttemptGuard(roleOptions.timeouts, backend.ref(model));
          const attemptSignal = AbortSignal.any([total.signal, guard.controller.signal]);
          try {
            const value = await call(
              { backend, model, signal: attemptSignal, timeouts: roleOptions.timeouts, onChunk: () => guard.chunk() },
              guard,
            );
            if (!guard.streaming || kind !== 'stream') guard.stop();
            backend.breaker.recordSuccess();
            this.metrics.requests.inc({ backend: backendKind, role, kind, outcome: 'ok' });
            if (kind !== 'stream')
              this.metrics.duration.observe({ backend: backendKind, role, kind }, (performance.now() - started) / 1000);
            return { value, servedBy: { ...backend.ref(model), fallback } };
          } catch (raw) {
            guard.stop();
            const error = this.classify(raw, backend.ref(model), roleOptions.timeouts, signal, total, guard);
            this.metrics.errors.inc({ backend: backendKind, role, kind, error: error.kind });
            if (error instanceof LlmAbortedError || (error instanceof LlmTimeoutError && error.phase === 'total')) {
              backend.breaker.release();
              throw error;
            }
            // A 4xx proves the server is up: only server-side failures count against the breaker.
            if (error.fallbackable) backend.breaker.recordFailure();
            else backend.breaker.recordSuccess();
            lastError = error;
            if (!error.fallbackable) throw error;
            if (!error.retryable || attemptNumber === this.options.retry.maxAttempts) break;
            this.metrics.retries.inc({ backend: backendKind, role });
            const retryAfter = 'retryAfterMs' in error ? (error.retryAfterMs as number | undefined) : undefined;
            await sleep(retryDelayMs(attemptNumber, this.options.retry, retryAfter), total.signal).catch(() => {
              throw this.classify(total.signal.reason, backend.ref(model), roleOptions.timeouts, signal, total);
            });
          }
        }
      }
      const failure = lastError ?? new LlmUnavailableError(`no backend configured for ${role}`);
      this.metrics.requests.inc({ backend: failure.backend?.kind ?? 'none', role, kind, outcome: 'error' });
      throw failure;
    } finally {
      if (!existingTotal) total.dispose();
    }
  }

  private classify(
    raw: unknown,
    backend: BackendRef,
    timeouts: RoleTimeouts,
    callerSignal: AbortSignal | undefined,
    total: TotalTimer,
    guard?: AttemptGuard,
  ): LlmError {
    if (guard?.expired) return guard.expired;
    if (callerSignal?.aborted) return new LlmAbortedError('the caller cancelled the call', { backend, cause: raw });
    if (total.expired) return total.expired;
    return normalizeError(raw, backend, timeouts.connectMs);
  }

  private totalTimer(role: LlmRole, signal: AbortSignal | undefined): TotalTimer {
    const ms = this.options.roles[role].timeouts.totalMs;
    const controller = new AbortController();
    const timer: TotalTimer = {
      signal: signal ? AbortSignal.any([signal, controller.signal]) : controller.signal,
      expired: undefined,
      dispose: () => clearTimeout(handle),
    };
    const handle = setTimeout(() => {
      timer.expired = new LlmTimeoutError('total', ms);
      controller.abort(timer.expired);
    }, ms);
    return timer;
  }

  private chainKinds(role: LlmRole): BackendKind[] {
    const { provider, fallback } = this.options.roles[role];
    return fallback && fallback !== provider ? [provider, fallback] : [provider];
  }

  private backendKey(role: LlmRole, kind: BackendKind): string {
    const roleOptions = this.options.roles[role];
    const url = kind === roleOptions.provider && roleOptions.url ? roleOptions.url : this.options.backends[kind].url;
    return `${kind} ${url}`;
  }

  /** One backend (and breaker) per server: roles that share a URL share its breaker. */
  private backendFor(role: LlmRole, kind: BackendKind): LlmBackend {
    const key = this.backendKey(role, kind);
    let backend = this.backends.get(key);
    if (!backend) {
      const url = key.slice(kind.length + 1);
      const breaker = new CircuitBreaker(this.options.breaker, Date.now, (state) =>
        this.metrics.breakerChanged(`${kind} ${url}`, state),
      );
      this.metrics.breakerChanged(`${kind} ${url}`, 'closed');
      backend =
        kind === 'vllm'
          ? new VllmBackend(url, breaker, this.options.backends.vllm.apiKey)
          : new OllamaBackend(url, breaker);
      this.backends.set(key, backend);
    }
    return backend;
  }

  private countTokens(servedBy: ServedBy, role: LlmRole, usage: Usage): void {
    this.metrics.tokens.inc({ backend: servedBy.kind, role, type: 'prompt' }, usage.promptTokens);
    this.metrics.tokens.inc({ backend: servedBy.kind, role, type: 'completion' }, usage.completionTokens);
  }
}

interface TotalTimer {
  signal: AbortSignal;
  expired: LlmTimeoutError | undefined;
  dispose: () => void;
}

function formatOptions(
  format: JsonOutputFormat | undefined,
): ((backend: LlmBackend) => Record<string, unknown>) | undefined {
  return format ? (backend) => backend.structuredOutputOptions(format.name, format.schema) : undefined;
}

function parseAgainst<Schema extends z.ZodType>(
  schema: Schema,
  text: string,
): { ok: true; value: z.output<Schema> } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // Not the parser's message: it quotes the output, which may hold personal data.
    return { ok: false, error: `not JSON (${(error as Error).name})` };
  }
  const result = schema.safeParse(json);
  return result.success
    ? { ok: true, value: result.data }
    : {
        ok: false,
        error: result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; '),
      };
}
