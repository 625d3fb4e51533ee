import { createHash } from 'node:crypto';
import { EngineError, priorityNotEnabled } from '../engine.errors';
import type {
  EmbeddingResult,
  EngineLoad,
  GenerationRequest,
  KvCacheReport,
  GenerationResult,
  LlmEngine,
  ModelInfo,
} from '../engine.types';
import { StopStringMatcher } from '../stop-strings';
import { blockHashes, promptTokenList } from './prompt-blocks';
import type { SimProfile } from './sim-profiles';
import { SchedulingPolicy, SimScheduler, SimSequence, StepRecord } from './sim-scheduler';
import { countTokens, embed, random, seedFrom, splitIntoTokens, valueForSchema, wordAt } from './sim-text';

/** Width of the simulated embedding vectors: wide enough that the words of a 1,000-character chunk rarely share a slot. */
export const SIM_EMBEDDING_DIMENSIONS = 1024;

export interface SimEngineOptions {
  profile: SimProfile;
  policy: SchedulingPolicy;
  /** Wall seconds per simulated second: 0.1 runs ten times faster than the simulated GPU. */
  timeScale: number;
  maxNumSeqs?: number;
  maxQueue?: number;
  /** vLLM's --enable-prefix-caching (on unless false): a cached prompt prefix skips its prefill. */
  prefixCaching?: boolean;
  /** How fast this simulated GPU is against its profile: 0.5 takes twice as long for everything. */
  speed?: number;
  /** Off for tests that drive `runStep()` by hand. */
  autoRun?: boolean;
}

interface Pending {
  sequence: SimSequence;
  request: GenerationRequest;
  /** The i-th output piece; free text is drawn word by word, JSON is cut from the finished value. */
  pieceAt: (index: number) => string;
  stops: StopStringMatcher;
  resolve: (result: GenerationResult) => void;
  reject: (error: Error) => void;
  onAbort: () => void;
}

/**
 * An engine that behaves like vLLM (or Ollama) on a GPU without one: continuous batching on a
 * simulated clock (see SimScheduler), paced against the wall clock by `timeScale`. Text is readable
 * filler seeded by the request; structured output is a value that validates against the schema.
 * Every time it reports (usage timings, Ollama durations, /metrics) is simulated GPU time.
 */
export class SimEngine implements LlmEngine {
  readonly model: ModelInfo;
  readonly scheduler: SimScheduler;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private running = false;
  private wallAtSync = performance.now();

  constructor(private readonly options: SimEngineOptions) {
    const { profile } = options;
    this.scheduler = new SimScheduler(profile, {
      policy: options.policy,
      maxNumSeqs: options.maxNumSeqs ?? profile.maxNumSeqs,
      maxQueue: options.maxQueue ?? profile.maxQueue,
      prefixCaching: options.prefixCaching ?? true,
      speed: options.speed ?? 1,
    });
    this.model = {
      contextLength: profile.contextLength,
      embeddingLength: SIM_EMBEDDING_DIMENSIONS,
      parameterCount: profile.parameterCount,
      quantization: profile.quantization,
      family: 'llama',
      fileBytes: 0,
      digest: createHash('sha256').update(profile.name).digest('hex'),
    };
  }

  /** The profile, the time scale, the speed and the simulated clock (ms): what every report of this engine is in. */
  get simulation(): { profile: string; timeScale: number; speed: number; clockMs: number } {
    this.syncIdleClock();
    return {
      profile: this.options.profile.name,
      timeScale: this.options.timeScale,
      speed: this.options.speed ?? 1,
      clockMs: this.scheduler.nowMs,
    };
  }

  countTokens(text: string): number {
    return countTokens(text);
  }

  load(): EngineLoad {
    return this.scheduler.load();
  }

  kvCache(): KvCacheReport {
    return { ...this.scheduler.cacheConfig, ...this.scheduler.prefixCacheStats() };
  }

  generate(request: GenerationRequest): Promise<GenerationResult> {
    if (request.signal.aborted) return Promise.reject(new EngineError('aborted', 'the request was cancelled'));
    if (this.options.policy === 'fcfs' && request.priority) {
      return Promise.reject(priorityNotEnabled(request.priority));
    }
    const promptTokenIds = promptTokenList(request.input);
    const promptTokens = promptTokenIds.length;
    let plan: { pieceAt: (index: number) => string; length: number };
    try {
      plan = this.plan(request);
    } catch (error) {
      return Promise.reject(new EngineError('bad_request', `unsupported JSON schema: ${(error as Error).message}`));
    }
    const room = this.model.contextLength - promptTokens;
    if (room < 1 || (request.maxTokens ?? 0) > room) {
      return Promise.reject(
        new EngineError(
          'context_too_long',
          `This model's maximum context length is ${this.model.contextLength} tokens. However, you requested ` +
            `${promptTokens + (request.maxTokens ?? 0)} tokens (${promptTokens} in the messages, ${request.maxTokens ?? 0} in the completion).`,
        ),
      );
    }
    const targetTokens = Math.min(plan.length, request.maxTokens ?? room, room);
    this.syncIdleClock();
    const sequence: SimSequence = {
      id: this.nextId++,
      priority: request.priority ?? 0,
      promptTokens,
      // Hashing costs CPU on this machine, so only when there is a cache to look in.
      promptBlockHashes: this.scheduler.cacheConfig.prefixCaching
        ? blockHashes(promptTokenIds, this.scheduler.cacheConfig.blockSize)
        : [],
      targetTokens,
      generated: 0,
      arrivedAtMs: 0,
      preemptions: 0,
    };
    return new Promise<GenerationResult>((resolve, reject) => {
      const entry: Pending = {
        sequence,
        request,
        pieceAt: plan.pieceAt,
        stops: new StopStringMatcher(request.stop ?? [], (text) => request.onText?.(text)),
        resolve,
        reject,
        onAbort: () => {
          this.scheduler.cancel(sequence.id);
          this.pending.delete(sequence.id);
          reject(new EngineError('aborted', 'the request was cancelled'));
        },
      };
      try {
        this.scheduler.submit(sequence);
      } catch (error) {
        reject(error as Error);
        return;
      }
      request.signal.addEventListener('abort', entry.onAbort, { once: true });
      this.pending.set(sequence.id, entry);
      this.ensureRunning();
    });
  }

  async embed(texts: string[], signal: AbortSignal): Promise<EmbeddingResult> {
    if (signal.aborted) throw new EngineError('aborted', 'the request was cancelled');
    return {
      vectors: texts.map((text) => embed(text, SIM_EMBEDDING_DIMENSIONS)),
      promptTokens: texts.reduce((sum, text) => sum + countTokens(text), 0),
    };
  }

  /** One scheduler step, its tokens delivered at once: for tests that drive time themselves. */
  runStep(): StepRecord | undefined {
    const record = this.scheduler.step();
    if (record) this.deliver(record);
    return record;
  }

  async close(): Promise<void> {
    for (const entry of this.pending.values()) {
      entry.reject(new EngineError('aborted', 'the server is shutting down'));
    }
    this.pending.clear();
  }

  /** What the request will say: structured output in full, or free text of a seeded length. */
  private plan(request: GenerationRequest): { pieceAt: (index: number) => string; length: number } {
    const promptText =
      request.input.kind === 'completion'
        ? request.input.prompt
        : request.input.messages.map((m) => m.content).join('\n');
    const next = random(seedFrom(promptText, request.seed));
    if (request.format) {
      const value =
        request.format.kind === 'json' ? { answer: wordAt(next, 0) } : valueForSchema(request.format.schema, next);
      const pieces = splitIntoTokens(JSON.stringify(value));
      return { pieceAt: (index) => pieces[index] ?? '', length: pieces.length };
    }
    // Free text ends on its own after 16 to 256 tokens unless max_tokens comes first.
    const length = 16 + Math.floor(next() * 241);
    return { pieceAt: (index) => wordAt(next, index), length };
  }

  private deliver(record: StepRecord): void {
    for (const id of record.decoded) {
      const entry = this.pending.get(id);
      if (!entry) continue;
      entry.request.onTokens?.(1);
      entry.stops.push(entry.pieceAt(entry.sequence.generated - 1));
      if (entry.stops.stopped) this.finish(entry, 'stop');
    }
    for (const id of record.finished) {
      const entry = this.pending.get(id);
      if (!entry) continue;
      const cutShort = entry.request.maxTokens !== undefined && entry.sequence.generated >= entry.request.maxTokens;
      this.finish(entry, cutShort ? 'length' : 'stop');
    }
  }

  private finish(entry: Pending, finishReason: 'stop' | 'length'): void {
    const { sequence } = entry;
    this.scheduler.cancel(sequence.id);
    this.pending.delete(sequence.id);
    entry.request.signal.removeEventListener('abort', entry.onAbort);
    entry.stops.flush();
    const finishedAt = sequence.finishedAtMs ?? this.scheduler.nowMs;
    entry.resolve({
      text: entry.stops.text,
      finishReason,
      ...(entry.stops.stopString === undefined ? {} : { stopReason: entry.stops.stopString }),
      promptTokens: sequence.promptTokens,
      cachedTokens: sequence.cachedTokens ?? 0,
      completionTokens: sequence.generated,
      queueMs: (sequence.admittedAtMs ?? finishedAt) - sequence.arrivedAtMs,
      firstTokenMs: sequence.firstTokenAtMs !== undefined ? sequence.firstTokenAtMs - sequence.arrivedAtMs : undefined,
      totalMs: finishedAt - sequence.arrivedAtMs,
    });
  }

  /** While idle, simulated time follows the wall clock (scaled), so arrivals get honest timestamps. */
  private syncIdleClock(): void {
    const now = performance.now();
    if (!this.scheduler.hasWork) this.scheduler.advanceIdle((now - this.wallAtSync) / this.options.timeScale);
    this.wallAtSync = now;
  }

  /**
   * The step loop: each step's tokens are delivered when its simulated duration has passed on the wall
   * clock (times the scale). Deadlines are absolute, so timer lateness does not accumulate.
   */
  private ensureRunning(): void {
    if (this.running || this.options.autoRun === false) return;
    this.running = true;
    const wallStart = performance.now();
    const simStart = this.scheduler.nowMs;
    const tick = () => {
      const record = this.scheduler.step();
      if (!record) {
        this.running = false;
        this.wallAtSync = performance.now();
        return;
      }
      const due = wallStart + (this.scheduler.nowMs - simStart) * this.options.timeScale;
      setTimeout(
        () => {
          this.deliver(record);
          tick();
        },
        Math.max(0, due - performance.now()),
      );
    };
    tick();
  }
}
