import { Logger } from '@nestjs/common';
import { Job, Queue, QueueEvents } from 'bullmq';
import { describeZodIssues } from '@rma/llm-provider';
import { boundedWait, isRedisOutage } from '@rma/service-core';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { decodeFailure } from './generation-failure.codec';
import {
  ADMISSION_KEY_PREFIX,
  BULK_PARKED_KEY,
  CANCEL_CHANNEL,
  CANCELLED_KEY_PREFIX,
  CLASS_PRIORITY,
  GENERATE_JOB_NAME,
  WorkClass,
} from './generation-queue.constants';
import type { BatchItem, GenerateManyOptions, GenerateOptions, StreamChunk } from './generation-queue.types';
import { GenerationError } from './generation.errors';
import {
  GenerationJob,
  GenerationRequest,
  GenerationResult,
  generationRequestSchema,
  generationResultSchema,
} from './generation.schemas';
import type { QueueMetrics } from './queue-metrics';
import type { TokenStreamReader } from './token-stream.reader';

/** A producer that took places and died before giving them back loses them after this long. */
const ADMISSION_TTL_MS = 30_000;

// KEYS: BullMQ's prioritized set, the parked bulk jobs (or an empty key), this class's places being added.
// ARGV: the class's score range in the prioritized set, its maximum, now, the places' TTL, then one id per
// place asked. Returns -1 when the places were taken, else the number waiting (the refusal's figure).
const ADMIT = `
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[4]) - tonumber(ARGV[5]))
local waiting = redis.call('ZCOUNT', KEYS[1], ARGV[1], ARGV[2]) + redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3])
if waiting + (#ARGV - 5) > tonumber(ARGV[3]) then return waiting end
for i = 6, #ARGV do redis.call('ZADD', KEYS[3], ARGV[4], ARGV[i]) end
redis.call('PEXPIRE', KEYS[3], ARGV[5])
return -1`;

export interface GenerationProducerDeps {
  queue: Queue;
  /** The queue's events: every waiting caller of this process listens on the one connection. */
  events: QueueEvents;
  /**
   * A command connection (not blocking, not subscribed) without an offline queue, shared by `queue`: a
   * command is sent once the connection is ready (waited for within `redisWaitMs`), or not at all.
   */
  redis: Redis;
  /** The process's one reader of token streams. */
  streams: TokenStreamReader;
  /** Longest wait for Redis to take or cancel a job (see `GenerationQueueOptions.redisWaitMs`). */
  redisWaitMs: number;
  /** Most jobs that may wait per class (see `GenerationQueueOptions.maxWaiting`). */
  maxWaiting: Record<WorkClass, number>;
  metrics: QueueMetrics;
}

/** The default `maxWaiting`: a screenful of people's work, and the largest batches the services take. */
export const DEFAULT_MAX_WAITING: Readonly<Record<WorkClass, number>> = Object.freeze({
  interactive: 1_000,
  bulk: 100_000,
});

/**
 * The callers' side of the queue: adds jobs (within the Redis wait bound), waits for their results or
 * reads their token streams, and cancels them wherever they are.
 */
export class GenerationProducer {
  private readonly logger = new Logger(GenerationProducer.name);

  constructor(private readonly deps: GenerationProducerDeps) {}

  /** One generation, resolved with its result; the caller's abort cancels it wherever it is. */
  async generate(request: GenerationRequest, options: GenerateOptions = {}): Promise<GenerationResult> {
    const job = await this.enqueue(request, options, false);
    return this.waitFor(job, options);
  }

  /** One generation as tokens (in order), then the result; from any replica, through Redis Streams. */
  async *stream(request: GenerationRequest, options: GenerateOptions = {}): AsyncGenerator<StreamChunk> {
    const { events, streams } = this.deps;
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
    events.on('failed', onFailed);
    try {
      await this.enqueue(request, { ...options, jobId }, true);
    } catch (error) {
      events.off('failed', onFailed);
      throw error;
    }
    const onAbort = () => local.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = options.timeoutMs ? setTimeout(() => local.abort(), options.timeoutMs) : undefined;
    // An abort ends this read at once, even while the shared read is blocked on a frozen Redis.
    let attempt: number | undefined;
    let yielded = false;
    let finished = false;
    try {
      for await (const event of streams.read(jobId, local.signal)) {
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
      events.off('failed', onFailed);
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      // A cancel Redis cannot take now is written when it answers again (see withinRedisWait).
      if (!finished) await this.cancel(jobId).catch(() => undefined);
    }
  }

  /** Many generations as bulk work, results in order; one item's failure does not fail the others. */
  async generateMany(requests: GenerationRequest[], options: GenerateManyOptions = {}): Promise<BatchItem[]> {
    const workClass = options.workClass ?? 'bulk';
    const batch = requests.map((request) => ({
      name: GENERATE_JOB_NAME,
      data: this.payload(request, workClass, false),
      opts: { priority: CLASS_PRIORITY[workClass], jobId: randomUUID() },
    }));
    const jobs = await this.withinRedisWait(
      'take the jobs',
      batch.map((job) => job.opts.jobId),
      async () => {
        const release = await this.admit(workClass, batch.length);
        try {
          return await this.deps.queue.addBulk(batch);
        } finally {
          await release();
        }
      },
      workClass,
    );
    const { onItem, ...waitOptions } = options;
    return Promise.all(
      jobs.map((job, position) =>
        this.waitFor(job, waitOptions)
          .then(
            (result): BatchItem => ({ ok: true, result }),
            (error: unknown): BatchItem => ({
              ok: false,
              error: error instanceof GenerationError ? error : new GenerationError('failed', String(error)),
            }),
          )
          .then((item) => {
            onItem?.(position, item);
            return item;
          }),
      ),
    );
  }

  /** Removes a waiting job, or aborts a running one on whichever process runs it. */
  async cancel(jobId: string): Promise<void> {
    const { redis, queue } = this.deps;
    // Bounded, so that a caller's `finally` never hangs on a frozen Redis; the mark is written when
    // Redis answers again, before the job can start.
    await this.withinRedisWait('cancel the job', [jobId], async () => {
      await redis.set(`${CANCELLED_KEY_PREFIX}${jobId}`, '1', 'EX', 3600);
      const job = await Job.fromId(queue, jobId);
      const state = await job?.getState();
      if (job && (state === 'waiting' || state === 'prioritized' || state === 'delayed')) {
        await job.remove().catch(() => undefined); // it may have started meanwhile: the broadcast covers that
      }
      await redis.publish(CANCEL_CHANNEL, jobId);
    });
  }

  private payload(request: GenerationRequest, workClass: WorkClass, stream: boolean): GenerationJob {
    const parsed = generationRequestSchema.safeParse(request);
    if (!parsed.success) throw new GenerationError('invalid', describeZodIssues(parsed.error));
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
    return this.withinRedisWait(
      'take the job',
      options.idempotencyKey ? [] : [jobId],
      async () => {
        const release = await this.admit(workClass, 1);
        try {
          return await this.deps.queue.add(GENERATE_JOB_NAME, payload, {
            priority: CLASS_PRIORITY[workClass],
            jobId,
            // A streamed job must not restart after its tokens went out: the provider already retried before them.
            ...(stream ? { attempts: 1 } : {}),
          });
        } finally {
          await release();
        }
      },
      workClass,
    );
  }

  /**
   * Takes `count` places of a class's maximum of waiting jobs, or refuses them before anything is added.
   * Counting and taking are one script, so producers admitting at the same moment cannot pass the maximum
   * together; the places are given back once the jobs are added (and counted as waiting) or refused. A
   * place its producer never gave back (it died) lapses after ADMISSION_TTL_MS.
   */
  private async admit(workClass: WorkClass, count: number): Promise<() => Promise<void>> {
    const { redis, queue } = this.deps;
    const max = this.deps.maxWaiting[workClass];
    const from = CLASS_PRIORITY[workClass] * 0x100000000;
    const places = Array.from({ length: count }, () => randomUUID());
    const key = `${ADMISSION_KEY_PREFIX}${workClass}`;
    const waiting = Number(
      await redis.eval(
        ADMIT,
        3,
        queue.keys['prioritized'],
        workClass === 'bulk' ? BULK_PARKED_KEY : `${key}:none`,
        key,
        from,
        from + 0xffffffff,
        max,
        Date.now(),
        ADMISSION_TTL_MS,
        ...places,
      ),
    );
    if (waiting < 0) {
      return async () => {
        await redis.zrem(key, ...places).catch(() => undefined);
      };
    }
    this.deps.metrics.refused.inc({ class: workClass, reason: 'overloaded' });
    throw new GenerationError(
      'overloaded',
      `${waiting} ${workClass} generations wait already (at most ${max}${count > 1 ? `, ${count} more asked` : ''}): nothing was started; retry shortly`,
      { retryable: true },
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
  private async withinRedisWait<T>(
    what: string,
    jobIds: string[],
    operation: () => Promise<T>,
    workClass?: WorkClass,
  ): Promise<T> {
    const waitMs = this.deps.redisWaitMs;
    const expired = new GenerationError(
      'queue_unavailable',
      `Redis did not ${what} within ${waitMs} ms (GENERATION_REDIS_WAIT_MS): nothing was started; retry shortly`,
      { retryable: true, ...(jobIds.length === 1 ? { jobId: jobIds[0] } : {}) },
    );
    // Nothing is sent before the connection is ready (it has no offline queue, where a refused add would
    // run once Redis came back): a Redis restart within the wait passes unnoticed, a longer outage is a 503.
    const gate = new AbortController();
    const whenReady = async () => {
      for (let reconnected = false; ; reconnected = true) {
        await this.untilReady(gate.signal, { fresh: reconnected });
        try {
          return await operation();
        } catch (error) {
          // The connection dropped before the command left (ioredis had not yet seen it go): nothing was
          // sent, so it is sent again once the connection is back, within the same wait.
          if (!isUnsent(error) || gate.signal.aborted) throw error;
        }
      }
    };
    try {
      return await boundedWait(whenReady(), {
        ms: waitMs,
        late: () => {
          gate.abort(expired);
          return expired;
        },
      });
    } catch (error) {
      // The connection dropped between the readiness check and the command: refused as a wait past the bound.
      const refused = isRedisOutage(error)
        ? new GenerationError(
            'queue_unavailable',
            `Redis could not ${what} (${(error as Error).message}): nothing was started; retry shortly`,
            { retryable: true, ...(jobIds.length === 1 ? { jobId: jobIds[0] } : {}) },
          )
        : error;
      if (refused === expired || refused !== error) {
        if (workClass) this.deps.metrics.refused.inc({ class: workClass, reason: 'queue_unavailable' });
        void this.markCancelled(jobIds);
      }
      throw refused;
    }
  }

  /**
   * Resolves at once when the connection is ready (unless `fresh`: a command just found it gone), else
   * when it becomes ready again; rejects once `signal` aborts.
   */
  private untilReady(signal: AbortSignal, options: { fresh: boolean }): Promise<void> {
    const { redis } = this.deps;
    if (!options.fresh && redis.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onReady = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        redis.off('ready', onReady);
        reject(signal.reason);
      };
      redis.once('ready', onReady);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Marks jobs cancelled on the queue's own connection, so that Redis runs the mark after an add it has
   * not answered yet on that connection, before any worker can take the job.
   */
  private async markCancelled(jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    try {
      // BullMQ types its raw client narrowly; with the built-in Redis backend it is the ioredis client.
      const client = (await this.deps.queue.getBackend().client) as unknown as Redis;
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
      const value = await Promise.race([job.waitUntilFinished(this.deps.events, ttl), aborted]);
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
}

/** ioredis's refusal of a command it did not send: the connection was not writable and has no offline queue. */
function isUnsent(error: unknown): boolean {
  return error instanceof Error && error.message === "Stream isn't writeable and enableOfflineQueue options is false";
}
