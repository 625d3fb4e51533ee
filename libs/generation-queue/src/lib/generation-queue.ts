import { Logger } from '@nestjs/common';
import { redisOptionsFromUrl } from '@rma/service-core';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import {
  BULK_PARKED_KEY,
  CANCEL_CHANNEL,
  CLASS_PRIORITY,
  GENERATION_QUEUE_NAME,
  QUEUE_PREFIX,
} from './generation-queue.constants';
import type {
  BatchItem,
  GenerateManyOptions,
  GenerateOptions,
  GenerationQueueOptions,
  QueueCounts,
  StreamChunk,
} from './generation-queue.types';
import { GenerationGovernor } from './generation.governor';
import { GenerationProcessor } from './generation.processor';
import { DEFAULT_MAX_WAITING, GenerationProducer } from './generation.producer';
import type { GenerationRequest, GenerationResult } from './generation.schemas';
import { dropUnreachable } from './drop-unreachable';
import { QueueMetrics } from './queue-metrics';
import { RunOutcomes } from './run-outcome';
import { TokenStreamReader } from './token-stream.reader';
import { settledWithin } from './settled-within';
import { formatFor, parseStructured } from './structured-output';

export type {
  BatchItem,
  GenerateManyOptions,
  GenerateOptions,
  GenerationQueueOptions,
  StreamChunk,
} from './generation-queue.types';
export { formatFor, parseStructured } from './structured-output';

/**
 * All LLM generation of the services: a BullMQ queue whose global concurrency (enforced in Redis across
 * every worker of every process) an adaptive controller sets from the engine's load; interactive work
 * before bulk; tokens streamed through Redis Streams; cancellation that reaches whichever process runs
 * the job; retries, crash recovery and idempotency keys. This object wires the connections to the
 * producer (callers' side), the processor (the workers' run) and the governor (limit, aging, bulk
 * slots), and owns their lifecycle.
 */
export class GenerationQueue {
  private readonly logger = new Logger(GenerationQueue.name);
  readonly metrics: QueueMetrics;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly redis: Redis;
  /** The producer's fail-fast connection (no offline queue), and the queue it adds jobs through. */
  private readonly producerRedis: Redis;
  private readonly producerQueue: Queue;
  private readonly subscriber?: Redis;
  private readonly worker?: Worker;
  private readonly producer: GenerationProducer;
  private readonly governor: GenerationGovernor;
  private readonly streams: TokenStreamReader;
  private closed = false;

  constructor(private readonly options: GenerationQueueOptions) {
    const connection = { ...redisOptionsFromUrl(options.redisUrl), maxRetriesPerRequest: null };
    const retention = {
      completedAgeSeconds: 3600,
      completedCount: 10_000,
      failedAgeSeconds: 86_400,
      ...options.retention,
    };
    const defaultJobOptions = {
      // A job that failed is not run again: the LLM client already retried it (see `attempts`).
      attempts: 1,
      removeOnComplete: { age: retention.completedAgeSeconds, count: retention.completedCount },
      removeOnFail: { age: retention.failedAgeSeconds },
    };
    this.queue = new Queue(GENERATION_QUEUE_NAME, { connection, prefix: QUEUE_PREFIX, defaultJobOptions });
    // The producer's own fail-fast client: its commands never wait in an offline queue, where an add the
    // caller was already refused (503) would run once Redis came back. It waits for the connection to be
    // ready instead, within GENERATION_REDIS_WAIT_MS (see GenerationProducer).
    this.producerRedis = new Redis({ ...connection, enableOfflineQueue: false }).on('error', (error) =>
      this.logConnectionError('producer', error),
    );
    this.producerQueue = new Queue(GENERATION_QUEUE_NAME, {
      connection: this.producerRedis,
      prefix: QUEUE_PREFIX,
      defaultJobOptions,
    });
    // Its client's errors are logged above (once); a listener keeps BullMQ from printing them again.
    this.producerQueue.on('error', () => undefined);
    this.events = new QueueEvents(GENERATION_QUEUE_NAME, { connection, prefix: QUEUE_PREFIX });
    // Without a listener BullMQ prints every reconnect failure as a stack trace: one line per outage
    // and per connection every 10 s is enough to see it (readiness and 503s tell the rest).
    this.queue.on('error', (error) => this.logConnectionError('queue', error));
    this.events.on('error', (error) => this.logConnectionError('events', error));
    // Every waiting caller listens on these: thousands of listeners in a bulk run are by design.
    this.queue.setMaxListeners(0);
    this.producerQueue.setMaxListeners(0);
    this.events.setMaxListeners(0);
    this.redis = new Redis(connection).on('error', (error) => this.logConnectionError('commands', error));
    this.metrics = new QueueMetrics(options.registry, () => this.counts());
    this.governor = new GenerationGovernor(options, {
      queue: this.queue,
      redis: this.redis,
      llm: options.llm,
      metrics: this.metrics,
      counts: () => this.counts(),
    });
    // One blocking connection reads every token stream this process's callers wait on; opened on the
    // first stream.
    this.streams = new TokenStreamReader(
      new Redis({ ...connection, lazyConnect: true }).on('error', (error) => this.logConnectionError('streams', error)),
      this.redis,
    );
    this.producer = new GenerationProducer({
      queue: this.producerQueue,
      events: this.events,
      redis: this.producerRedis,
      streams: this.streams,
      redisWaitMs: options.redisWaitMs ?? 2_000,
      maxWaiting: { ...DEFAULT_MAX_WAITING, ...options.maxWaiting },
      metrics: this.metrics,
    });
    if (options.workers?.enabled !== false) {
      if (!options.llm) throw new Error('GenerationQueue: workers need an LlmClient (options.llm)');
      const processor = new GenerationProcessor({
        llm: options.llm,
        redis: this.redis,
        governor: this.governor,
        metrics: this.metrics,
        // An outcome is kept as long as its finished job.
        outcomes: new RunOutcomes(this.redis, {
          completedSeconds: retention.completedAgeSeconds,
          failedSeconds: retention.failedAgeSeconds,
        }),
      });
      this.subscriber = new Redis(connection).on('error', (error) => this.logConnectionError('cancels', error));
      void this.subscriber.subscribe(CANCEL_CHANNEL);
      this.subscriber.on('message', (_channel, jobId: string) => processor.abort(jobId));
      this.worker = new Worker(GENERATION_QUEUE_NAME, (job, token) => processor.run(job, token), {
        connection,
        prefix: QUEUE_PREFIX,
        // The global limit governs; the local one only caps one process.
        concurrency: options.workers?.localConcurrency ?? 512,
        lockDuration: options.lockDurationMs ?? 30_000,
        stalledInterval: options.stalledIntervalMs ?? options.lockDurationMs ?? 30_000,
        // A dead worker's job runs again on another, `attempts - 1` times.
        maxStalledCount: Math.max(0, (options.attempts ?? 2) - 1),
        // While the global limit is reached a worker blocks waiting for a wake-up; poll again soon, so a
        // freed slot goes to the next (interactive first) job without waiting out BullMQ's 5 s default.
        drainDelay: 0.1,
      });
      this.worker.on('error', (error) => this.logConnectionError('worker', error));
      this.worker.on('failed', (job) => void processor.redactFailed(job));
    }
  }

  /** Sets the global limit (fixed mode) or starts the controller (adaptive). Call once at start. */
  start(): Promise<void> {
    return this.governor.start();
  }

  /** One generation, resolved with its result; the caller's abort cancels it wherever it is. */
  generate(request: GenerationRequest, options: GenerateOptions = {}): Promise<GenerationResult> {
    return this.producer.generate(request, options);
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
  stream(request: GenerationRequest, options: GenerateOptions = {}): AsyncGenerator<StreamChunk> {
    return this.producer.stream(request, options);
  }

  /** Many generations as bulk work, results in order; one item's failure does not fail the others. */
  generateMany(requests: GenerationRequest[], options: GenerateManyOptions = {}): Promise<BatchItem[]> {
    return this.producer.generateMany(requests, options);
  }

  /** Removes a waiting job, or aborts a running one on whichever process runs it. */
  cancel(jobId: string): Promise<void> {
    return this.producer.cancel(jobId);
  }

  /** Stops taking jobs, lets running ones finish up to the deadline, then closes connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.governor.stop();
    // Every step that needs Redis is bounded: with Redis down BullMQ's close never returns, and a
    // service would sit out its whole shutdown deadline and exit 1.
    const waitMs = this.options.redisWaitMs ?? 2_000;
    if (this.redis.status !== 'ready') {
      // Redis is gone: running jobs cannot report a result and no lock can be released. The connections
      // are dropped at once; other workers recover the jobs once Redis is back.
      this.logger.warn('Closing with Redis unreachable; running jobs are left to other workers');
      const worker = this.worker;
      await dropUnreachable([
        ...(worker ? [{ close: () => worker.close(true), disconnect: () => worker.disconnect() }] : []),
        this.queue,
        this.producerQueue,
        this.events,
      ]);
      this.streams.close();
      this.subscriber?.disconnect();
      this.producerRedis.disconnect();
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
    await settledWithin(this.governor.releaseLeadership(), waitMs);
    const queues = [this.queue, this.producerQueue, this.events];
    if (!(await settledWithin(Promise.all(queues.map((queue) => queue.close())), waitMs))) {
      await settledWithin(Promise.all(queues.map((queue) => queue.disconnect())), waitMs);
    }
    this.streams.close();
    this.subscriber?.disconnect();
    this.producerRedis.disconnect();
    this.redis.disconnect();
  }

  /** Waiting jobs by class (bulk jobs parked for a bulk slot included) and active jobs, across all processes. */
  async counts(): Promise<QueueCounts> {
    const [byPriority, counts, parked] = await Promise.all([
      this.queue.getCountsPerPriority([CLASS_PRIORITY.interactive, CLASS_PRIORITY.bulk]),
      this.queue.getJobCounts('active'),
      this.redis.zcard(BULK_PARKED_KEY),
    ]);
    return {
      interactive: byPriority[CLASS_PRIORITY.interactive] ?? 0,
      bulk: (byPriority[CLASS_PRIORITY.bulk] ?? 0) + parked,
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
    // Read-only: no retry, remove, clean or promote from the page; operators act through the API or redis-cli.
    createBullBoard({ queues: [new BullMQAdapter(this.queue, { readOnlyMode: true })], serverAdapter });
    return serverAdapter.getRouter();
  }

  /** The global limit this process last set or saw. */
  get currentLimit(): number {
    return this.governor.currentLimit;
  }

  /** The service's logger prints a repeating line once per 10 s (service-core's RepeatLimitedConsoleLogger). */
  private logConnectionError(connection: string, error: Error): void {
    this.logger.error(`Generation queue Redis error connection=${connection} error="${error.message}"`);
  }
}
