import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { RUN_OUTCOME_PREFIX } from './generation-queue.constants';
import { GenerationResult, generationResultSchema } from './generation.schemas';
import type { TokenStreamWriter } from './token-stream';

/** How a run ended: the result BullMQ completes the job with, or the encoded failure it fails it with. */
export type RunOutcome = { ok: true; result: GenerationResult } | { ok: false; failure: string };

/** How long an outcome is kept: as long as the finished job itself (the queue's retention). */
export interface RunOutcomeTtls {
  completedSeconds: number;
  failedSeconds: number;
}

type JobRef = Pick<Job, 'id' | 'timestamp'>;

export const runOutcomeKey = (job: JobRef) => `${RUN_OUTCOME_PREFIX}${job.id}:${job.timestamp}`;

/**
 * Outcomes of runs, written before BullMQ hears of them. BullMQ learns a job's result only when the
 * worker's process is still alive to tell it: a worker killed after its LLM call ended but before that
 * leaves the job active, and BullMQ runs it again as stalled. That run finds the outcome here and ends
 * with it, so an LLM generation that finished is never run again, and a streaming caller gets its end
 * (or error) once: the stream's last event is written in the same transaction as the outcome.
 */
export class RunOutcomes {
  constructor(
    private readonly redis: Redis,
    private readonly ttl: RunOutcomeTtls,
  ) {}

  /** The outcome an earlier run of this job recorded, if any. */
  async read(job: JobRef): Promise<RunOutcome | undefined> {
    const raw = await this.redis.get(runOutcomeKey(job));
    if (raw === null) return undefined;
    const outcome = JSON.parse(raw) as RunOutcome;
    return outcome.ok ? { ok: true, result: generationResultSchema.parse(outcome.result) } : outcome;
  }

  /** Records the outcome and, for a streamed job, the stream's last event: both or neither. */
  async record(job: JobRef, outcome: RunOutcome, stream?: TokenStreamWriter): Promise<void> {
    const seconds = outcome.ok ? this.ttl.completedSeconds : this.ttl.failedSeconds;
    let transaction = this.redis.multi().set(runOutcomeKey(job), JSON.stringify(outcome), 'EX', seconds);
    if (stream) {
      transaction = stream.append(
        transaction,
        outcome.ok
          ? { type: 'end', result: JSON.stringify(outcome.result) }
          : { type: 'error', error: outcome.failure },
      );
    }
    const replies = await transaction.exec();
    const refused = replies?.find(([error]) => error);
    if (refused) throw refused[0];
  }
}
