import { AIMessage, AIMessageChunk, BaseMessage } from '@langchain/core/messages';
import { z } from 'zod';
import { BackendRegistry } from './backends/backend-registry';
import type { SamplingOptions } from './backends/llm-backend';
import type { EngineLoad } from './engine-load';
import { finishReasonOf, hasFinishReason, textOf, toLangChainMessages, usageOf } from './langchain/langchain-messages';
import type {
  BackendHealth,
  CallOptions,
  ChatRequest,
  ChatResult,
  EmbedOptions,
  EmbedResult,
  ReplicaLoad,
  ServedBy,
  StreamEvent,
  StructuredResult,
  Usage,
} from './llm-client.types';
import { LlmAbortedError, LlmInvalidOutputError, LlmStreamInterruptedError } from './llm.errors';
import { LlmMetrics } from './llm-metrics';
import type { BackendKind, LlmProviderOptions, LlmRole } from './llm.options';
import { AttemptTimers } from './resilience/attempt-timers';
import { callPolicyFrom } from './resilience/call-policy';
import { CallRunner } from './resilience/call-runner';
import { EmbeddingSlots } from './resilience/embedding-slots';
import { EngineLoadScraper } from './routing/engine-load-scraper';
import { prefixKeyOf } from './routing/prefix-affinity';
import { ReplicaRouter } from './routing/replica-router';
import { ReplicaStatus } from './routing/replica-status';
import { RoutingPolicy, routingPolicyFrom } from './routing/routing-policy';
import { TrafficSplitter } from './routing/traffic-split';
import {
  cleanJsonSchema,
  constraintFor,
  generateStructured,
  jsonSchemaOf,
  OutputConstraint,
  parseOutput,
} from './structured-output';

/**
 * The one way RMA reaches an LLM: vLLM or Ollama per role, each a set of replicas routed by load and
 * prompt prefix, with timeouts, retries with backoff, a circuit breaker per replica and a silent move to
 * another replica or the fallback before the first token (never after it). Every result says which
 * backend served it; every failure is an LlmError.
 */
export class LlmClient {
  readonly metrics: LlmMetrics;
  /** Each role's split between backends (a canary), set from Redis by the Nest module's watcher. */
  readonly trafficSplit: TrafficSplitter;
  private readonly backends: BackendRegistry;
  private readonly runner: CallRunner;
  private readonly routing: RoutingPolicy;
  private readonly scraper: EngineLoadScraper;
  private readonly replicas: ReplicaStatus;
  private readonly embeddingSlots: EmbeddingSlots;

  constructor(private readonly options: LlmProviderOptions) {
    this.metrics = new LlmMetrics(options.registry);
    this.backends = new BackendRegistry(options, (backend, state) => this.metrics.breakerChanged(backend, state));
    this.routing = routingPolicyFrom(options.routing);
    this.scraper = new EngineLoadScraper(() => this.backends.all().map(({ replica }) => replica), this.routing);
    const router = new ReplicaRouter(this.routing, this.scraper, (replica, reason) =>
      this.metrics.routeDecisions.inc({ backend: replica.kind, replica: replica.url, reason }),
    );
    this.replicas = new ReplicaStatus(this.backends, this.scraper, router);
    this.metrics.watchReplicas(() => this.replicas.gaugeReadings());
    this.trafficSplit = new TrafficSplitter(options.trafficSplit);
    // The backend-selection point: each call's chain in the split's order, one turn per call (a broken
    // stream's failure goes to the replica that served it, with no lookup in the chain).
    const split = {
      chain: (role: LlmRole) => this.trafficSplit.order(role, this.backends.chain(role), (link) => link.pool.kind),
    };
    this.runner = new CallRunner(callPolicyFrom(options), split, router, this.metrics);
    this.embeddingSlots = new EmbeddingSlots(options.embeddingLimits, this.metrics, (signal) =>
      this.runner.totalTimer('embedding', signal),
    );
  }

  /** A chat completion, not streamed. */
  async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    return this.chatMessages(toLangChainMessages(request.messages), request, options, constraintFor(request.format));
  }

  /** Tokens as they are generated, then one `end` event with usage and the backend. */
  async *stream(request: ChatRequest, options: CallOptions = {}): AsyncGenerator<StreamEvent> {
    const messages = toLangChainMessages(request.messages);
    let text = '';
    for await (const event of this.streamMessages(messages, request, options, constraintFor(request.format))) {
      if (event.type === 'chunk') {
        const token = textOf(event.chunk);
        if (!token) continue;
        if (request.format) text += token;
        yield { type: 'token', text: token };
      } else if (request.format) {
        // The tokens already went out: no corrective retry, but the caller learns whether the JSON holds.
        const parsed = parseOutput(z.fromJSONSchema(request.format.schema), text);
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
    return generateStructured({
      messages: toLangChainMessages(request.messages),
      name: request.schemaName ?? request.format?.name ?? 'output',
      schema,
      // A request that carries its JSON Schema (a queued job's, which the worker rebuilt as zod) sends that
      // one: a JSON Schema -> zod -> JSON Schema round trip is not the same schema (a date's format and
      // pattern come back as an allOf of two patterns).
      jsonSchema: request.format ? cleanJsonSchema(request.format.schema) : jsonSchemaOf(schema),
      chat: (messages, constraint) => this.chatMessages(messages, request, options, constraint),
    });
  }

  /** Embeddings for many texts, in as few requests as the batch size allows, in order, each in a slot of its use. */
  async embed(texts: string[], { signal, use = 'interactive' }: EmbedOptions = {}): Promise<EmbedResult> {
    const size = this.options.embeddingBatchSize;
    const vectors: number[][] = [];
    let backend: ServedBy | undefined;
    let requests = 0;
    for (let start = 0; start < texts.length; start += size) {
      const batch = texts.slice(start, start + size);
      const { value, servedBy } = await this.embeddingSlots.run(use, signal, (total) =>
        this.runner.run({ role: 'embedding', kind: 'embed', signal, total }, async (attempt) => {
          const embeddings = attempt.backend.embeddings(
            attempt.model,
            size,
            attempt.timeouts.connectMs,
            attempt.signal,
          );
          return embeddings.embedDocuments(batch);
        }),
      );
      vectors.push(...value);
      backend = servedBy;
      requests += 1;
    }
    return {
      vectors,
      backend: backend ?? { ...this.backends.primary('embedding').replicas[0].backend.ref(), fallback: false },
      requests,
    };
  }

  /** Each replica of every backend probed cheaply (never a generation), with its breaker and in-flight calls. */
  async health(timeoutMs = 2_000): Promise<BackendHealth[]> {
    return this.replicas.health(timeoutMs);
  }

  /**
   * The backend serving a role now: its primary while any of its replicas is healthy, or the fallback
   * while every primary replica's breaker is open (half-open: the primary, which is being probed), and a
   * healthy replica of it. What a concurrency controller sizes its limit for.
   */
  serving(role: LlmRole = 'chat'): ServedBy {
    return this.replicas.serving(role);
  }

  /**
   * Every replica of the backend serving a role now (see `serving`): up, breaker, this client's in-flight
   * calls and its engine's gauges when fresh (vLLM; scraped every second while asked for). What a
   * concurrency controller sums its limit over. The first call after a pause waits up to 1 s for readings;
   * so does one with `fresh`, which reads the gauges now rather than taking the last round's.
   */
  async replicaLoads(role: LlmRole = 'chat', options: { fresh?: boolean } = {}): Promise<ReplicaLoad[]> {
    return this.replicas.replicaLoads(role, options);
  }

  /**
   * The load of the backend serving chat (see `serving`), its replicas' vLLM gauges summed (Ollama
   * exports none): undefined when no replica has a fresh reading. `replicaLoads` tells them apart.
   */
  async engineLoad(): Promise<EngineLoad | undefined> {
    return this.replicas.engineLoad('chat');
  }

  /** Stops reading the replicas' metrics (it stops by itself when unused; a Nest app calls this on shutdown). */
  close(): void {
    this.scraper.stop();
  }

  /** The backends a role has, primary first: the ones its traffic split may name. */
  backendKinds(role: LlmRole): BackendKind[] {
    return this.backends.chain(role).map((link) => link.pool.kind);
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
    constraint?: OutputConstraint,
  ): Promise<ChatResult & { message: AIMessage }> {
    const role = options.role ?? 'chat';
    const started = performance.now();
    const { value: message, servedBy } = await this.runner.run(
      {
        role,
        kind: 'chat',
        signal: options.signal,
        maxTokens: sampling.maxTokens,
        prefixKey: this.prefixKey(messages, role),
      },
      async (attempt) => {
        const model = attempt.backend.chatModel(attempt.model, sampling, attempt.timeouts.connectMs, attempt.signal);
        return (await model.invoke(messages, {
          signal: attempt.signal,
          ...(constraint?.(attempt.backend) ?? {}),
        })) as AIMessage;
      },
    );
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
    constraint?: OutputConstraint,
  ): AsyncGenerator<
    { type: 'chunk'; chunk: AIMessageChunk } | { type: 'end'; end: Extract<StreamEvent, { type: 'end' }> }
  > {
    const role = options.role ?? 'chat';
    const started = performance.now();
    const total = this.runner.totalTimer(role, options.signal);
    let iterator: AsyncIterator<AIMessageChunk> | undefined;
    let streamTimers: AttemptTimers | undefined;
    let endOnReplica: (() => void) | undefined;
    try {
      // Up to the first token the call may be retried or fall back; after it, it belongs to one backend.
      const {
        value: first,
        servedBy,
        replica,
        end,
      } = await this.runner.run(
        { role, kind: 'stream', signal: options.signal, total, prefixKey: this.prefixKey(messages, role) },
        async (attempt) => {
          const model = attempt.backend.chatModel(attempt.model, sampling, attempt.timeouts.connectMs, attempt.signal);
          const stream = await model.stream(messages, {
            signal: attempt.signal,
            ...(constraint?.(attempt.backend) ?? {}),
          });
          const opened = stream[Symbol.asyncIterator]();
          for (;;) {
            const next = await opened.next();
            if (next.done) return { iterator: opened, chunk: undefined };
            attempt.onChunk();
            // Usage-only and empty chunks are not the first token.
            if (textOf(next.value)) {
              streamTimers = attempt.timers;
              return { iterator: opened, chunk: next.value };
            }
          }
        },
      );
      iterator = first.iterator;
      endOnReplica = end;
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
          streamTimers?.chunk();
          last = next.value;
          if (last.usage_metadata) usage = usageOf(last);
          if (hasFinishReason(last)) finishReason = finishReasonOf(last);
          yield { type: 'chunk', chunk: last };
        }
      } catch (raw) {
        const error = await this.runner.streamFailure(raw, {
          role,
          servedBy,
          replica,
          signal: options.signal,
          total,
          timers: streamTimers,
        });
        if (error instanceof LlmAbortedError) throw error;
        throw new LlmStreamInterruptedError(
          `the stream from ${servedBy.kind} broke after its first token: ${error.message}`,
          {
            backend: servedBy,
            status: error.status,
            cause: error,
          },
        );
      } finally {
        streamTimers?.stop();
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
      endOnReplica?.();
    }
  }

  private prefixKey(messages: BaseMessage[], role: LlmRole): string | undefined {
    return prefixKeyOf(messages, this.options.roles[role].model, this.routing.affinityMinPrefixChars);
  }

  private countTokens(servedBy: ServedBy, role: LlmRole, usage: Usage): void {
    this.metrics.tokens.inc({ backend: servedBy.kind, role, type: 'prompt' }, usage.promptTokens);
    this.metrics.tokens.inc({ backend: servedBy.kind, role, type: 'completion' }, usage.completionTokens);
  }
}
