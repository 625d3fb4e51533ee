import { Logger } from '@nestjs/common';
import { boundedWait, redisOptionsFromUrl } from '@rma/service-core';
import { FlowProducer, Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { CLASS_PRIORITY, QUEUE_PREFIX, WorkClass } from '../generation-queue.constants';
import { GenerationError } from '../generation.errors';
import { dropUnreachable } from '../drop-unreachable';
import { settledWithin } from '../settled-within';

/** What a part's handler and the whole's handler are told besides their data. */
export interface FanOutContext {
  /** The whole's id (the id it was added with). */
  id: string;
  /** 1 on the first run; more after a retry or a crash recovery. */
  attempt: number;
}

/** A part's outcome as the whole's handler sees it: a part that failed after its attempts still counts. */
export type PartOutcome<PartResult> = { ok: true; value: PartResult } | { ok: false; reason: string };

export interface FanOutQueueOptions<WholeData, PartData, PartResult, WholeResult> {
  redisUrl: string;
  /**
   * Persisted: the wholes go to queue `<name>`, their parts to `<name>-parts`. Renaming it orphans the
   * jobs in Redis (drain the old queues first).
   */
  name: string;
  processPart: (data: PartData, context: FanOutContext & { index: number }) => Promise<PartResult>;
  /** Runs once every part has ended, with the parts' outcomes in the order they were added. */
  processWhole: (data: WholeData, parts: PartOutcome<PartResult>[], context: FanOutContext) => Promise<WholeResult>;
  /** Host workers in this process; several processes share the work. */
  workers: { enabled: boolean; partConcurrency: number; wholeConcurrency: number };
  /** Attempts of a part whose handler threw (a crash of the worker counts once too). */
  attempts?: number;
  /** Attempts of the whole, when its last step may need many (a hand-off to a service that is down). */
  wholeAttempts?: number;
  backoffMs?: number;
  lockDurationMs?: number;
  /** How long finished jobs stay in Redis. */
  retentionSeconds?: number;
  /**
   * Longest wait for Redis to take a whole and its parts (`add`); past it `add` fails with
   * `queue_unavailable`. Default 2 s.
   */
  redisWaitMs?: number;
}

interface PartPayload<PartData> {
  index: number;
  data: PartData;
}

interface WholePayload<WholeData> {
  partCount: number;
  data: WholeData;
}

const WHOLE_JOB_NAME = 'whole';
const PART_JOB_NAME = 'part';

/**
 * Work that fans out into parts run in parallel across every worker of every process, then comes back
 * together in one step (a BullMQ flow: a parent job with one child per part). A part that fails after its
 * attempts does not block the whole: the whole runs with that part's failure reason. Workers that die
 * leave their jobs to be recovered by others (BullMQ's stalled-job check).
 */
export class FanOutQueue<WholeData, PartData, PartResult, WholeResult> {
  private readonly logger = new Logger(FanOutQueue.name);
  private readonly flows: FlowProducer;
  private readonly wholes: Queue;
  private readonly parts: Queue;
  private readonly workers: Worker[] = [];
  private readonly partQueueName: string;
  private closed = false;

  constructor(private readonly options: FanOutQueueOptions<WholeData, PartData, PartResult, WholeResult>) {
    const connection = { ...redisOptionsFromUrl(options.redisUrl), maxRetriesPerRequest: null };
    this.partQueueName = `${options.name}-parts`;
    this.flows = new FlowProducer({ connection, prefix: QUEUE_PREFIX });
    this.wholes = new Queue(options.name, { connection, prefix: QUEUE_PREFIX });
    this.parts = new Queue(this.partQueueName, { connection, prefix: QUEUE_PREFIX });
    // Without listeners BullMQ prints each reconnect failure with its stack; the service logger limits repeats.
    const logError = (error: Error) => this.logger.error(`Redis error queue=${options.name} error="${error.message}"`);
    this.flows.on('error', logError);
    this.wholes.on('error', logError);
    this.parts.on('error', logError);
    if (!options.workers.enabled) return;
    const lockDuration = options.lockDurationMs ?? 60_000;
    const partWorker = new Worker(
      this.partQueueName,
      (job: Job<PartPayload<PartData>>) =>
        options.processPart(job.data.data, {
          id: job.parent?.id ?? '',
          index: job.data.index,
          attempt: job.attemptsMade + 1,
        }),
      { connection, prefix: QUEUE_PREFIX, concurrency: options.workers.partConcurrency, lockDuration },
    );
    const wholeWorker = new Worker(
      options.name,
      async (job: Job<WholePayload<WholeData>>) =>
        options.processWhole(job.data.data, await this.outcomes(job), {
          id: job.id as string,
          attempt: job.attemptsMade + 1,
        }),
      { connection, prefix: QUEUE_PREFIX, concurrency: options.workers.wholeConcurrency, lockDuration },
    );
    for (const worker of [partWorker, wholeWorker]) {
      worker.on('error', (error) => this.logger.error(`Worker error queue=${worker.name} error="${error.message}"`));
      this.workers.push(worker);
    }
  }

  /**
   * Adds a whole and its parts. The id is the whole's job id: adding an id that is already queued or
   * running adds nothing (BullMQ keeps job ids unique), so a retried request does not run twice.
   */
  async add(input: { id: string; data: WholeData; parts: PartData[]; workClass: WorkClass }): Promise<void> {
    const waitMs = this.options.redisWaitMs ?? 2_000;
    // Redis may still take it later (the flow's commands wait in the client's offline queue): the
    // caller's handlers must check that the work is still wanted, as for a removed whole.
    await boundedWait(this.addFlow(input), {
      ms: waitMs,
      late: () =>
        new GenerationError(
          'queue_unavailable',
          `Redis did not take the work within ${waitMs} ms (GENERATION_REDIS_WAIT_MS); retry shortly`,
          { retryable: true },
        ),
    });
  }

  private async addFlow(input: {
    id: string;
    data: WholeData;
    parts: PartData[];
    workClass: WorkClass;
  }): Promise<void> {
    const attempts = this.options.attempts ?? 2;
    const backoff = { type: 'exponential', delay: this.options.backoffMs ?? 1000 };
    const age = this.options.retentionSeconds ?? 3600;
    const priority = CLASS_PRIORITY[input.workClass];
    await this.flows.add({
      name: WHOLE_JOB_NAME,
      queueName: this.options.name,
      data: { partCount: input.parts.length, data: input.data } satisfies WholePayload<WholeData>,
      opts: {
        jobId: input.id,
        priority,
        attempts: this.options.wholeAttempts ?? attempts,
        backoff,
        removeOnComplete: { age },
        removeOnFail: { age },
      },
      children: input.parts.map((data, index) => ({
        name: PART_JOB_NAME,
        queueName: this.partQueueName,
        data: { index, data } satisfies PartPayload<PartData>,
        opts: {
          jobId: `${input.id}-part-${index}`,
          priority,
          attempts,
          backoff,
          // The whole still runs when a part gives up: it reports that part's failure.
          ignoreDependencyOnFailure: true,
          removeOnComplete: { age },
          removeOnFail: { age },
        },
      })),
    });
  }

  /** Removes a whole and its parts that have not started; running ones finish, and their results are dropped. */
  async remove(id: string): Promise<void> {
    const job = await Job.fromId(this.wholes, id);
    if (!job) return;
    await job.remove({ removeChildren: true }).catch((error: Error) => {
      // A job that a worker holds cannot be removed: the handlers check that their work is still wanted.
      this.logger.debug(`Whole not removed (running) id=${id} error="${error.message}"`);
    });
  }

  /** Jobs waiting and running, for readiness and metrics. */
  async counts(): Promise<{ wholesWaiting: number; partsWaiting: number; active: number }> {
    const [wholes, parts] = await Promise.all([
      this.wholes.getJobCounts('waiting', 'prioritized', 'waiting-children', 'active'),
      this.parts.getJobCounts('waiting', 'prioritized', 'active'),
    ]);
    return {
      wholesWaiting: (wholes['waiting'] ?? 0) + (wholes['prioritized'] ?? 0) + (wholes['waiting-children'] ?? 0),
      partsWaiting: (parts['waiting'] ?? 0) + (parts['prioritized'] ?? 0),
      active: (wholes['active'] ?? 0) + (parts['active'] ?? 0),
    };
  }

  /**
   * Stops taking jobs and waits for running ones (up to the deadline), then closes connections. Every
   * step that needs Redis is bounded: with Redis down BullMQ's close never returns, and the service would
   * sit out its whole shutdown deadline. Then running jobs are left to other workers, as after a crash.
   */
  async close(deadlineMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const waitMs = this.options.redisWaitMs ?? 2_000;
    let reachable = false;
    const ping = async () => {
      const client = (await this.wholes.getBackend().client) as unknown as Redis;
      if (client.status !== 'ready') return; // reconnecting: Redis is down, no need to wait for a ping
      await client.ping();
      reachable = true;
    };
    await settledWithin(ping(), waitMs);
    const queues = [...this.workers, this.flows, this.wholes, this.parts];
    if (!reachable) {
      this.logger.warn('Closing with Redis unreachable; running jobs are left to other workers');
      await dropUnreachable(
        queues.map((queue) =>
          queue instanceof Worker ? { close: () => queue.close(true), disconnect: () => queue.disconnect() } : queue,
        ),
      );
      return;
    }
    if (!(await settledWithin(Promise.all(this.workers.map((worker) => worker.close())), deadlineMs))) {
      this.logger.warn(
        `Shutdown deadline passed with jobs running; other workers recover them deadlineMs=${deadlineMs}`,
      );
    }
    if (!(await settledWithin(Promise.all(queues.map((queue) => queue.close())), waitMs))) {
      await settledWithin(Promise.all(queues.map((queue) => queue.disconnect())), waitMs);
    }
  }

  /** The parts' results and ignored failures, in the order the parts were added. */
  private async outcomes(job: Job<WholePayload<WholeData>>): Promise<PartOutcome<PartResult>[]> {
    const [values, failures] = await Promise.all([job.getChildrenValues(), job.getIgnoredChildrenFailures()]);
    const byIndex = new Map<number, PartOutcome<PartResult>>();
    const indexOf = (key: string) => Number(key.slice(key.lastIndexOf('-part-') + '-part-'.length));
    for (const [key, value] of Object.entries(values))
      byIndex.set(indexOf(key), { ok: true, value: value as PartResult });
    for (const [key, reason] of Object.entries(failures))
      byIndex.set(indexOf(key), { ok: false, reason: String(reason) });
    return Array.from(
      { length: job.data.partCount },
      (_, index) => byIndex.get(index) ?? { ok: false, reason: 'the part was removed before it ran' },
    );
  }
}
