import { Logger } from '@nestjs/common';
import { LlmClient, LlmError, LlmRateLimitError, LlmUnavailableError } from '@rma/llm-provider';
import { redisOptionsFromUrl } from '@rma/service-core';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { DelayedError, Job, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ConcurrencyMode, TARGET_ENGINE_WAITING, decideLimit } from './concurrency-controller';
import {
  BULK_ACTIVE_KEY,
  BULK_CAP_KEY,
  CANCEL_CHANNEL,
  CANCELLED_KEY_PREFIX,
  CLASS_PRIORITY,
  CONTROLLER_LOCK_KEY,
  CONTROLLER_SIGNALS_KEY,
  GENERATE_JOB_NAME,
  GENERATION_QUEUE_NAME,
  QUEUE_PREFIX,
  WorkClass,
} from './generation-queue.constants';
import { GenerationError } from './generation.errors';
import {
  GenerationJob,
  GenerationRequest,
  GenerationResult,
  generationJobSchema,
  generationRequestSchema,
  generationResultSchema,
} from './generation.schemas';
import { QueueMetrics } from './queue-metrics';
import { TokenStreamWriter, readTokenStream } from './token-stream';

export interface GenerationQueueOptions {
  redisUrl: string;
  /** The LLM the workers call; needed when this process hosts workers or the adaptive controller. */
  llm?: LlmClient;
  concurrency: ConcurrencyMode;
  /** Host workers in this process (the default: `nx serve <app>` works alone). */
  workers?: { enabled: boolean; localConcurrency?: number };
  /** Attempts of a job on retryable LLM failures, with exponential backoff from `backoffMs`. */
  attempts?: number;
  backoffMs?: number;
  /** A bulk job waiting longer than this is promoted to interactive priority: bulk never starves. */
  bulkAgingMs?: number;
  /** How long a worker may hold a job without renewing its lock before others recover it. */
  lockDurationMs?: number;
  /** How often workers look for jobs whose worker died (lock expired). */
  stalledIntervalMs?: number;
  /** Finished jobs kept for lookups and idempotency. */
  retention?: { completedAgeSeconds: number; completedCount: number; failedAgeSeconds: number };
  controllerTickMs?: number;
  /** Share of the limit kept free of bulk jobs, so that interactive work starts at once (at least 1 slot). */
  interactiveReserve?: number;
  shutdownTimeoutMs?: number;
  /**
   * Longest wait for Redis to take (or cancel) a job: a Redis restart passes unnoticed, a Redis down or
   * frozen longer is a `queue_unavailable` error (503) instead of a request that hangs. Default 2 s.
   */
  redisWaitMs?: number;
  registry?: Registry;
}

export interface GenerateOptions {
  workClass?: WorkClass;
  /** Give up waiting (and cancel the job) after this long. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The same key twice runs one generation; the second caller gets the first one's result. */
  idempotencyKey?: string;
}

export type StreamChunk = { type: 'token'; text: string } | { type: 'end'; result: GenerationResult };

export type BatchItem = { ok: true; result: GenerationResult } | { ok: false; error: GenerationError };

const FAILURE_PREFIX = 'generation-error:';
const BULK_LEASE_MS = 30_000;
/** Takes a bulk slot when fewer than the cap are leased; expired leases (a dead worker's) are dropped first. */
const TAKE_BULK_SLOT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local cap = tonumber(redis.call('GET', KEYS[2]) or ARGV[4])
if redis.call('ZCARD', KEYS[1]) < cap then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
  return 1
end
return 0`;

/** Whether `operation` settled (resolved or failed) within `ms`; it is left running otherwise. */
async function settledWithin(operation: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      operation.then(
        () => true,
        () => true,
      ),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The items of `source`; a read that fails because `signal` aborted (its connection closed) just ends it. */
async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  try {
    for await (const item of source) yield item;
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

/** The job payload's `format` for a zod schema. */
export function formatFor(schema: z.ZodType, name = 'output'): NonNullable<GenerationRequest['format']> {
  const { $schema: _ignored, ...jsonSchema } = z.toJSONSchema(schema) as Record<string, unknown>;
  return { name, schema: jsonSchema };
}

/** A structured result's value, parsed by the caller's own schema; a mismatch is the model's fault (502). */
export function parseStructured<Schema extends z.ZodType>(schema: Schema, result: GenerationResult): z.output<Schema> {
  const parsed = schema.safeParse(result.value);
  if (parsed.success) return parsed.data;
  throw new GenerationError('failed', `structured output did not validate: ${describeIssues(parsed.error)}`, {
    llmErrorKind: 'invalid_output',
    retryable: false,
    backend: result.backend.kind,
  });
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

/** A job failure carried through BullMQ's failedReason (a string) to the waiting caller. */
function encodeFailure(error: GenerationError): string {
  return `${FAILURE_PREFIX}${JSON.stringify({ code: error.code, message: error.message, details: error.details })}`;
}

function decodeFailure(reason: string | undefined, jobId: string): GenerationError {
  if (reason?.startsWith(FAILURE_PREFIX)) {
    const { code, message, details } = JSON.parse(reason.slice(FAILURE_PREFIX.length));
    return new GenerationError(code, message, { ...details, jobId });
  }
  return new GenerationError('failed', reason ?? 'the job failed', { jobId });
}

/**
 * All LLM generation of the services: a BullMQ queue whose global concurrency (enforced in Redis across
 * every worker of every process) an adaptive controller sets from the engine's load; interactive work
 * before bulk; tokens streamed through Redis Streams; cancellation that reaches whichever process runs
 * the job; retries, crash recovery and idempotency keys.
 */
export class GenerationQueue {
  private readonly logger = new Logger(GenerationQueue.name);
  readonly metrics: QueueMetrics;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly redis: Redis;
  private readonly subscriber?: Redis;
  private worker?: Worker;
  private readonly running = new Map<string, AbortController>();
  private controllerTimer?: NodeJS.Timeout;
  private readonly instanceId = randomUUID();
  private limit: number;
  private bestTtftMs?: number;
  private lastEngineRunning?: number;
  private engineCeiling?: number;
  private closed = false;

  constructor(private readonly options: GenerationQueueOptions) {
    const connection = { ...redisOptionsFromUrl(options.redisUrl), maxRetriesPerRequest: null };
    this.queue = new Queue(GENERATION_QUEUE_NAME, {
      connection,
      prefix: QUEUE_PREFIX,
      defaultJobOptions: {
        attempts: options.attempts ?? 3,
        backoff: { type: 'exponential', delay: options.backoffMs ?? 500 },
        removeOnComplete: {
          age: options.retention?.completedAgeSeconds ?? 3600,
          count: options.retention?.completedCount ?? 10_000,
        },
        removeOnFail: { age: options.retention?.failedAgeSeconds ?? 86_400 },
      },
    });
    this.events = new QueueEvents(GENERATION_QUEUE_NAME, { connection, prefix: QUEUE_PREFIX });
    // Without a listener BullMQ prints every reconnect failure as a stack trace: one line per outage
    // and per connection every 10 s is enough to see it (readiness and 503s tell the rest).
    this.queue.on('error', (error) => this.logConnectionError('queue', error));
    this.events.on('error', (error) => this.logConnectionError('events', error));
    // Every waiting caller listens on these: thousands of listeners in a bulk run are by design.
    this.queue.setMaxListeners(0);
    this.events.setMaxListeners(0);
    this.redis = new Redis(connection).on('error', (error) => this.logConnectionError('commands', error));
    this.limit = options.concurrency.mode === 'fixed' ? options.concurrency.limit : options.concurrency.initial;
    this.metrics = new QueueMetrics(options.registry, () => this.counts());
    if (options.workers?.enabled !== false) {
      if (!options.llm) throw new Error('GenerationQueue: workers need an LlmClient (options.llm)');
      this.subscriber = new Redis(connection).on('error', (error) => this.logConnectionError('cancels', error));
      void this.subscriber.subscribe(CANCEL_CHANNEL);
      this.subscriber.on('message', (_channel, jobId: string) => this.running.get(jobId)?.abort());
      this.worker = new Worker(GENERATION_QUEUE_NAME, (job, token) => this.run(job, token), {
        connection,
        prefix: QUEUE_PREFIX,
        // The global limit governs; the local one only caps one process.
        concurrency: options.workers?.localConcurrency ?? 512,
        lockDuration: options.lockDurationMs ?? 30_000,
        stalledInterval: options.stalledIntervalMs ?? options.lockDurationMs ?? 30_000,
        maxStalledCount: 1,
        // While the global limit is reached a worker blocks waiting for a wake-up; poll again soon, so a
        // freed slot goes to the next (interactive first) job without waiting out BullMQ's 5 s default.
        drainDelay: 0.1,
      });
      this.worker.on('error', (error) => this.logConnectionError('worker', error));
    }
  }

  /** Sets the global limit (fixed mode) or starts the controller (adaptive). Call once at start. */
  async start(): Promise<void> {
    // An adaptive limit already in Redis is the leader's latest: a process that restarts (a rolling
    // deploy) adopts it rather than resetting every process's work to the initial value.
    const existing = this.options.concurrency.mode === 'adaptive' ? await this.queue.getGlobalConcurrency() : null;
    await this.applyLimit(existing ?? this.limit);
    if (this.options.concurrency.mode === 'adaptive' || this.options.bulkAgingMs) {
      const tick = this.options.controllerTickMs ?? 500;
      // One tick at a time: ticks stuck on a frozen Redis must not pile up and all run when it thaws.
      let ticking = false;
      this.controllerTimer = setInterval(() => {
        if (ticking) return;
        ticking = true;
        void this.controlTick()
          .catch((error) => this.logger.error(`Controller tick failed: ${error.message}`))
          .finally(() => (ticking = false));
      }, tick);
    }
  }

  /** One generation, resolved with its result; the caller's abort cancels it wherever it is. */
  async generate(request: GenerationRequest, options: GenerateOptions = {}): Promise<GenerationResult> {
    const job = await this.enqueue(request, options, false);
    return this.waitFor(job, options);
  }

  /**
   * One generation whose output validates against `schema`: the worker constrains and checks it against
   * the JSON Schema made from it, and this end parses it again with the zod schema itself (refinements
   * included), so a caller gets a typed value or a GenerationError, never unchecked JSON.
   */
  async generateStructured<Schema extends z.ZodType>(
    request: GenerationRequest,
    schema: Schema,
    options: GenerateOptions & { name?: string } = {},
  ): Promise<GenerationResult & { value: z.output<Schema> }> {
    const result = await this.generate({ ...request, format: formatFor(schema, options.name) }, options);
    return { ...result, value: parseStructured(schema, result) };
  }

  /** One generation as tokens (in order), then the result; from any replica, through Redis Streams. */
  async *stream(request: GenerationRequest, options: GenerateOptions = {}): AsyncGenerator<StreamChunk> {
    // A caller gone before the job exists (an SSE client that left during retrieval) starts nothing.
    if (options.signal?.aborted) throw new GenerationError('cancelled', 'the caller cancelled the generation');
    // The id first, so that the failure listener is in place before the job can fail: a job that fails
    // without writing to its stream (dropped as stalled, refused before it started) ends the stream at
    // once with its own failure, not after the whole timeout as a timeout.
    const jobId = this.jobIdFor(options);
    const local = new AbortController();
    let failedEarly: GenerationError | undefined;
    const onFailed = ({ jobId: failedId, failedReason }: { jobId: string; failedReason: string }) => {
      if (failedId !== jobId) return;
      failedEarly = decodeFailure(failedReason, jobId);
      local.abort();
    };
    this.events.on('failed', onFailed);
    try {
      await this.enqueue(request, { ...options, jobId }, true);
    } catch (error) {
      this.events.off('failed', onFailed);
      throw error;
    }
    // Its failures reach the reads that use it; the listener only keeps ioredis from printing them too.
    const reader = this.redis.duplicate().on('error', () => undefined);
    const onAbort = () => local.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = options.timeoutMs ? setTimeout(() => local.abort(), options.timeoutMs) : undefined;
    // A read blocked on a frozen Redis ends when the connection does: the deadline holds.
    local.signal.addEventListener('abort', () => reader.disconnect(), { once: true });
    let attempt: number | undefined;
    let yielded = false;
    let finished = false;
    try {
      for await (const event of untilAborted(readTokenStream(reader, jobId, local.signal), local.signal)) {
        if (attempt !== undefined && event.attempt !== attempt && yielded) {
          throw new GenerationError(
            'interrupted',
            'the worker running this stream died after sending tokens; the job restarted',
            { jobId },
          );
        }
        attempt = event.attempt;
        if (event.type === 'token') {
          yielded = true;
          yield { type: 'token', text: event.text };
        } else if (event.type === 'end') {
          finished = true;
          yield { type: 'end', result: generationResultSchema.parse(JSON.parse(event.result)) };
          return;
        } else {
          finished = true;
          throw decodeFailure(event.error, jobId);
        }
      }
      if (failedEarly && !options.signal?.aborted) {
        finished = true;
        throw failedEarly;
      }
      throw new GenerationError(
        options.signal?.aborted ? 'cancelled' : 'timeout',
        'the stream was cancelled before it ended',
        { jobId },
      );
    } finally {
      this.events.off('failed', onFailed);
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      // A cancel Redis cannot take now is written when it answers again (see withinRedisWait).
      if (!finished) await this.cancel(jobId).catch(() => undefined);
      reader.disconnect();
    }
  }

  /** Many generations as bulk work, results in order; one item's failure does not fail the others. */
  async generateMany(
    requests: GenerationRequest[],
    options: Omit<GenerateOptions, 'idempotencyKey'> = {},
  ): Promise<BatchItem[]> {
    const workClass = options.workClass ?? 'bulk';
    const batch = requests.map((request) => ({
      name: GENERATE_JOB_NAME,
      data: this.payload(request, workClass, false),
      opts: { priority: CLASS_PRIORITY[workClass], jobId: randomUUID() },
    }));
    const jobs = await this.withinRedisWait(
      'take the jobs',
      batch.map((job) => job.opts.jobId),
      () => this.queue.addBulk(batch),
    );
    return Promise.all(
      jobs.map((job) =>
        this.waitFor(job, options).then(
          (result): BatchItem => ({ ok: true, result }),
          (error: unknown): BatchItem => ({
            ok: false,
            error: error instanceof GenerationError ? error : new GenerationError('failed', String(error)),
          }),
        ),
      ),
    );
  }

  /** Removes a waiting job, or aborts a running one on whichever process runs it. */
  async cancel(jobId: string): Promise<void> {
    // Bounded, so that a caller's `finally` never hangs on a frozen Redis; the mark is written when
    // Redis answers again, before the job can start.
    await this.withinRedisWait('cancel the job', [jobId], async () => {
      await this.redis.set(`${CANCELLED_KEY_PREFIX}${jobId}`, '1', 'EX', 3600);
      const job = await Job.fromId(this.queue, jobId);
      const state = await job?.getState();
      if (job && (state === 'waiting' || state === 'prioritized' || state === 'delayed')) {
        await job.remove().catch(() => undefined); // it may have started meanwhile: the broadcast covers that
      }
      await this.redis.publish(CANCEL_CHANNEL, jobId);
    });
  }

  /** Stops taking jobs, lets running ones finish up to the deadline, then closes connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.controllerTimer);
    // Every step that needs Redis is bounded: with Redis down BullMQ's close never returns, and a
    // service would sit out its whole shutdown deadline and exit 1.
    const waitMs = this.options.redisWaitMs ?? 2_000;
    if (this.redis.status !== 'ready') {
      // Redis is gone: running jobs cannot report a result and no lock can be released. One bounded try
      // at closing, then the connections are dropped; other workers recover the jobs once Redis is back.
      this.logger.warn(`Closing with Redis unreachable; running jobs are left to other workers waitMs=${waitMs}`);
      await settledWithin(Promise.all([this.worker?.close(true), this.queue.close(), this.events.close()]), waitMs);
      this.subscriber?.disconnect();
      this.redis.disconnect();
      return;
    }
    if (this.worker) {
      const deadline = this.options.shutdownTimeoutMs ?? 10_000;
      if (!(await settledWithin(this.worker.close(), deadline))) {
        this.logger.warn(
          `Shutdown deadline passed with jobs running; they will be recovered by another worker deadlineMs=${deadline}`,
        );
        if (!(await settledWithin(this.worker.close(true), waitMs)))
          await settledWithin(this.worker.disconnect(), waitMs);
      }
    }
    await settledWithin(this.releaseControllerLock(), waitMs);
    if (!(await settledWithin(Promise.all([this.queue.close(), this.events.close()]), waitMs))) {
      await settledWithin(Promise.all([this.queue.disconnect(), this.events.disconnect()]), waitMs);
    }
    this.subscriber?.disconnect();
    this.redis.disconnect();
  }

  /** Waiting jobs by class and active jobs, across all processes. */
  async counts(): Promise<{ interactive: number; bulk: number; active: number }> {
    const [byPriority, counts] = await Promise.all([
      this.queue.getCountsPerPriority([CLASS_PRIORITY.interactive, CLASS_PRIORITY.bulk]),
      this.queue.getJobCounts('active'),
    ]);
    return {
      interactive: byPriority[CLASS_PRIORITY.interactive] ?? 0,
      bulk: byPriority[CLASS_PRIORITY.bulk] ?? 0,
      active: counts['active'] ?? 0,
    };
  }

  /**
   * Bull Board for operators: an Express router to mount at `basePath` (jobs by state, retries, payloads).
   * Payloads hold advisers' text: mount it only where operators may read that (off in production by default).
   */
  dashboardRouter(basePath: string): ReturnType<ExpressAdapter['getRouter']> {
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(basePath);
    createBullBoard({ queues: [new BullMQAdapter(this.queue)], serverAdapter });
    return serverAdapter.getRouter();
  }

  /** The global limit this process last set or saw. */
  get currentLimit(): number {
    return this.limit;
  }

  private payload(request: GenerationRequest, workClass: WorkClass, stream: boolean): GenerationJob {
    const parsed = generationRequestSchema.safeParse(request);
    if (!parsed.success) {
      throw new GenerationError(
        'invalid',
        parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
      );
    }
    return { request: parsed.data, workClass, stream, enqueuedAt: Date.now() };
  }

  private async enqueue(
    request: GenerationRequest,
    options: GenerateOptions & { jobId?: string },
    stream: boolean,
  ): Promise<Job> {
    const workClass = options.workClass ?? 'interactive';
    const payload = this.payload(request, workClass, stream);
    const jobId = options.jobId ?? this.jobIdFor(options);
    // A job with an idempotency key is shared with other callers of that key: it is never marked
    // cancelled for one caller's refusal.
    return this.withinRedisWait('take the job', options.idempotencyKey ? [] : [jobId], () =>
      this.queue.add(GENERATE_JOB_NAME, payload, {
        priority: CLASS_PRIORITY[workClass],
        jobId,
        // A streamed job must not restart after its tokens went out: the provider already retried before them.
        ...(stream ? { attempts: 1 } : {}),
      }),
    );
  }

  /**
   * BullMQ ignores a second add with the same id: one generation per idempotency key. Our own id
   * otherwise, so that an add Redis takes only after the caller was refused can be cancelled.
   */
  private jobIdFor(options: GenerateOptions): string {
    return options.idempotencyKey ? `idem-${options.idempotencyKey.replace(/:/g, '_')}` : randomUUID();
  }

  /**
   * Runs a Redis operation for at most `redisWaitMs`. Past it the caller gets `queue_unavailable` and the
   * jobs it was adding are marked cancelled (written when Redis answers again, before any can start), so
   * a refused request never runs later behind the caller's back.
   */
  private async withinRedisWait<T>(what: string, jobIds: string[], operation: () => Promise<T>): Promise<T> {
    const waitMs = this.options.redisWaitMs ?? 2_000;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        // One turn of the event loop first: a reply that arrived while the loop was busy (GC, a loaded
        // machine) is read before the wait is called over.
        () =>
          setImmediate(() =>
            reject(
              new GenerationError(
                'queue_unavailable',
                `Redis did not ${what} within ${waitMs} ms (GENERATION_REDIS_WAIT_MS): nothing was started; retry shortly`,
                { retryable: true, ...(jobIds.length === 1 ? { jobId: jobIds[0] } : {}) },
              ),
            ),
          ),
        waitMs,
      );
    });
    const running = operation();
    try {
      return await Promise.race([running, expired]);
    } catch (error) {
      if (error instanceof GenerationError && error.code === 'queue_unavailable') {
        running.catch(() => undefined);
        void this.markCancelled(jobIds);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Marks jobs cancelled on the queue's own connection, so that Redis runs the mark after an add it has
   * not answered yet on that connection, before any worker can take the job.
   */
  private async markCancelled(jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    try {
      // BullMQ types its raw client narrowly; with the built-in Redis backend it is the ioredis client.
      const client = (await this.queue.getBackend().client) as unknown as Redis;
      await Promise.all(jobIds.map((jobId) => client.set(`${CANCELLED_KEY_PREFIX}${jobId}`, '1', 'EX', 3600)));
    } catch (error) {
      this.logger.warn(`Refused jobs not marked cancelled jobs=${jobIds.length} error="${(error as Error).message}"`);
    }
  }

  private async waitFor(job: Job, options: GenerateOptions): Promise<GenerationResult> {
    const jobId = job.id as string;
    const ttl = options.timeoutMs;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      if (!options.signal) return;
      onAbort = () => reject(new GenerationError('cancelled', 'the caller cancelled the generation', { jobId }));
      if (options.signal.aborted) onAbort();
      else options.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const value = await Promise.race([job.waitUntilFinished(this.events, ttl), aborted]);
      return generationResultSchema.parse(value);
    } catch (error) {
      const failure =
        error instanceof GenerationError
          ? error
          : /timed out|Job wait .* timed out/i.test(String((error as Error)?.message))
            ? new GenerationError('timeout', `no result within ${ttl} ms`, { jobId })
            : decodeFailure((error as Error)?.message, jobId);
      if (failure.code === 'cancelled' || failure.code === 'timeout') await this.cancel(jobId).catch(() => undefined);
      throw failure;
    } finally {
      // A long-lived signal (a whole agentic ask's budget) must not collect one listener per generation.
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The worker: calls the LLM, streams tokens when asked, maps failures to retry or fail-fast. */
  private async run(job: Job, token?: string): Promise<GenerationResult> {
    const jobId = job.id as string;
    const data = generationJobSchema.parse(job.data);
    if (data.workClass === 'bulk') await this.takeBulkSlot(job, token);
    const lease =
      data.workClass === 'bulk'
        ? setInterval(
            () => void this.redis.zadd(BULK_ACTIVE_KEY, 'XX', Date.now() + BULK_LEASE_MS, jobId).catch(() => undefined),
            BULK_LEASE_MS / 3,
          )
        : undefined;
    try {
      return await this.runTaken(job, data);
    } finally {
      clearInterval(lease);
      if (data.workClass === 'bulk') await this.redis.zrem(BULK_ACTIVE_KEY, jobId).catch(() => undefined);
    }
  }

  private async runTaken(job: Job, data: GenerationJob): Promise<GenerationResult> {
    const jobId = job.id as string;
    const started = Date.now();
    const labels = { class: data.workClass };
    if (job.attemptsMade > 0) this.metrics.retries.inc(labels);
    this.metrics.waitSeconds.observe(labels, (started - (job.timestamp ?? data.enqueuedAt)) / 1000);
    if (await this.redis.exists(`${CANCELLED_KEY_PREFIX}${jobId}`)) {
      await this.redact(job, data);
      throw new UnrecoverableError(
        encodeFailure(new GenerationError('cancelled', 'cancelled before it started', { jobId })),
      );
    }
    const controller = new AbortController();
    this.running.set(jobId, controller);
    const llm = this.options.llm as LlmClient;
    const writer = data.stream
      ? new TokenStreamWriter(this.redis, jobId, job.attemptsMade + job.stalledCounter + 1)
      : undefined;
    const call = { signal: controller.signal, role: data.request.role };
    try {
      let result: GenerationResult;
      if (data.stream && writer) {
        let text = '';
        let firstTokenMs: number | undefined;
        for await (const event of llm.stream(data.request, call)) {
          if (event.type === 'token') {
            firstTokenMs ??= Date.now() - started;
            text += event.text;
            await writer.write({ type: 'token', text: event.text });
          } else {
            result = {
              text,
              finishReason: event.finishReason,
              usage: event.usage,
              backend: event.backend,
              timings: { queueMs: started - data.enqueuedAt, runMs: Date.now() - started, firstTokenMs },
              attempts: job.attemptsMade + 1,
              ...(event.value !== undefined ? { value: event.value } : {}),
            };
          }
        }
        result ??= {
          text,
          finishReason: 'stop',
          usage: { promptTokens: 0, completionTokens: 0 },
          backend: { kind: 'unknown', url: '', fallback: false },
          timings: { queueMs: started - data.enqueuedAt, runMs: Date.now() - started, firstTokenMs },
          attempts: job.attemptsMade + 1,
        };
        if (firstTokenMs !== undefined) await this.reportTtft(firstTokenMs);
      } else {
        const format = data.request.format;
        const answer = format
          ? await llm.structured(data.request, z.fromJSONSchema(format.schema), call)
          : await llm.chat(data.request, call);
        result = {
          text: answer.text,
          finishReason: answer.finishReason,
          usage: answer.usage,
          backend: answer.backend,
          timings: { queueMs: started - data.enqueuedAt, runMs: Date.now() - started },
          attempts: job.attemptsMade + 1,
          ...('value' in answer ? { value: answer.value } : {}),
        };
      }
      const checked = generationResultSchema.parse(result);
      await writer?.write({ type: 'end', result: JSON.stringify(checked) });
      this.metrics.runSeconds.observe(labels, (Date.now() - started) / 1000);
      this.metrics.jobs.inc({ ...labels, outcome: 'completed' });
      return checked;
    } catch (raw) {
      const final =
        controller.signal.aborted ||
        !(raw instanceof LlmError) ||
        !raw.retryable ||
        job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const failure = controller.signal.aborted
        ? new GenerationError('cancelled', 'the caller cancelled the generation', { jobId })
        : raw instanceof LlmError
          ? new GenerationError('failed', raw.message, {
              llmErrorKind: raw.kind,
              retryable: raw.retryable,
              backend: raw.backend?.kind,
              jobId,
            })
          : new GenerationError('failed', raw instanceof Error ? raw.message : String(raw), { jobId });
      if (raw instanceof LlmRateLimitError || (raw instanceof LlmUnavailableError && raw.status === 503))
        await this.reportOverload();
      if (final) {
        await writer?.write({ type: 'error', error: encodeFailure(failure) });
        await this.redact(job, data);
        this.metrics.jobs.inc({ ...labels, outcome: failure.code === 'cancelled' ? 'cancelled' : 'failed' });
        throw new UnrecoverableError(encodeFailure(failure));
      }
      throw new Error(encodeFailure(failure));
    } finally {
      this.running.delete(jobId);
    }
  }

  /** The service's logger prints a repeating line once per 10 s (service-core's RepeatLimitedConsoleLogger). */
  private logConnectionError(connection: string, error: Error): void {
    this.logger.error(`Generation queue Redis error connection=${connection} error="${error.message}"`);
  }

  /** A failed job is kept a day for its error and ids; its messages (advisers' case notes) go at once. */
  private async redact(job: Job, data: GenerationJob): Promise<void> {
    await job
      .updateData({ redacted: true, workClass: data.workClass, stream: data.stream, enqueuedAt: data.enqueuedAt })
      .catch(() => undefined);
  }

  private async reportOverload(): Promise<void> {
    await this.redis.hincrby(CONTROLLER_SIGNALS_KEY, 'overloads', 1);
  }

  private async reportTtft(ms: number): Promise<void> {
    await this.redis
      .multi()
      .hincrbyfloat(CONTROLLER_SIGNALS_KEY, 'ttftSum', ms)
      .hincrby(CONTROLLER_SIGNALS_KEY, 'ttftCount', 1)
      .exec();
  }

  /** One controller tick, on the process that holds the leader lock: bulk aging, then the adaptive limit. */
  private async controlTick(): Promise<void> {
    const tick = this.options.controllerTickMs ?? 500;
    const leader =
      (await this.redis.set(CONTROLLER_LOCK_KEY, this.instanceId, 'PX', tick * 4, 'NX')) === 'OK' ||
      ((await this.redis.get(CONTROLLER_LOCK_KEY)) === this.instanceId &&
        (await this.redis.pexpire(CONTROLLER_LOCK_KEY, tick * 4)) === 1);
    if (!leader || this.closed) return;
    if (this.options.bulkAgingMs) await this.promoteAgedBulk(this.options.bulkAgingMs);
    if (this.options.concurrency.mode !== 'adaptive') return;
    const [counts, waiting, signals, engine] = await Promise.all([
      this.counts(),
      this.queue.getWaitingCount(),
      this.redis.multi().hgetall(CONTROLLER_SIGNALS_KEY).del(CONTROLLER_SIGNALS_KEY).exec(),
      this.options.llm?.engineLoad(),
    ]);
    const values = (signals?.[0]?.[1] ?? {}) as Record<string, string>;
    const ttftCount = Number(values['ttftCount'] ?? 0);
    const ttftMs = ttftCount > 0 ? Number(values['ttftSum']) / ttftCount : undefined;
    if (ttftMs !== undefined && engine === undefined) this.bestTtftMs = Math.min(this.bestTtftMs ?? ttftMs, ttftMs);
    const decision = decideLimit(
      this.limit,
      this.options.concurrency,
      {
        backlog: counts.interactive + counts.bulk + waiting,
        inFlight: counts.active,
        engine,
        overloads: Number(values['overloads'] ?? 0),
        ttftMs,
        previousRunning: this.lastEngineRunning,
        knownCeiling: this.engineCeiling,
      },
      this.bestTtftMs,
    );
    this.lastEngineRunning = engine?.running;
    if (engine && engine.waiting > TARGET_ENGINE_WAITING.max) this.engineCeiling = engine.running;
    if (decision.limit !== this.limit) {
      this.logger.log(`Concurrency limit ${this.limit} -> ${decision.limit}: ${decision.reason}`);
      this.metrics.limitChanges.inc({ reason: decision.reason.split(':')[0].replace(/[0-9]+/g, 'N') });
      await this.applyLimit(decision.limit);
    }
  }

  /** The global limit in Redis, and the bulk cap under it: a few slots stay free for interactive work. */
  private async applyLimit(limit: number): Promise<void> {
    this.limit = limit;
    const reserve = Math.max(1, Math.ceil(limit * (this.options.interactiveReserve ?? 0.05)));
    await Promise.all([
      this.queue.setGlobalConcurrency(limit),
      this.redis.set(BULK_CAP_KEY, String(Math.max(1, limit - reserve))),
    ]);
    this.metrics.limit.set(limit);
  }

  /**
   * A bulk job may start only while bulk holds fewer than its cap; otherwise it goes back for a moment
   * (BullMQ's own global limit still counts it while it is active, so the limit is never exceeded).
   */
  private async takeBulkSlot(job: Job, token: string | undefined): Promise<void> {
    const now = Date.now();
    const taken = await this.redis.eval(
      TAKE_BULK_SLOT,
      2,
      BULK_ACTIVE_KEY,
      BULK_CAP_KEY,
      now,
      now + BULK_LEASE_MS,
      job.id as string,
      Math.max(1, this.limit - 1),
    );
    if (taken === 1) return;
    await job.moveToDelayed(now + 50, token);
    throw new DelayedError();
  }

  /**
   * Promotes the oldest bulk jobs that waited past `agingMs`, however many interactive jobs wait ahead
   * of them. BullMQ scores a prioritized job `priority * 2^32 + counter`, so the bulk jobs are one score
   * range of its prioritized set, oldest first.
   */
  private async promoteAgedBulk(agingMs: number): Promise<void> {
    const key = this.queue.keys['prioritized'];
    const from = CLASS_PRIORITY.bulk * 0x100000000;
    const ids = await this.redis.zrangebyscore(key, from, from + 0xffffffff, 'LIMIT', 0, 200);
    const cutoff = Date.now() - agingMs;
    const oldest = (await Promise.all(ids.map((id) => Job.fromId(this.queue, id)))).filter(
      (job): job is Job => job !== undefined,
    );
    await Promise.all(
      oldest
        .filter((job) => job.timestamp < cutoff)
        .map((job) => job.changePriority({ priority: CLASS_PRIORITY.interactive }).catch(() => undefined)),
    );
  }

  private async releaseControllerLock(): Promise<void> {
    if ((await this.redis.get(CONTROLLER_LOCK_KEY).catch(() => null)) === this.instanceId)
      await this.redis.del(CONTROLLER_LOCK_KEY);
  }
}
