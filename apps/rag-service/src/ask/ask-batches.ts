import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BatchJob, BatchJobs, SERVICE_REDIS } from '@rma/service-core';
import type { Redis } from 'ioredis';
import { RagError } from '../common/rag.errors';
import type { RagServiceEnv } from '../config/env.schema';
import { AskBatchItem, AskService } from './ask.service';
import type { RetrievalScope } from './retrieval.service';

/** Persisted key prefix of background question batches (hashes): renaming it needs a migration. */
export const ASK_BATCH_KEY_PREFIX = 'rag:ask-batch:';

/**
 * Question batches run in the background (202 and an id): their answers are recorded as each is ready,
 * readable by the sender's organisation from any replica for ASK_BATCH_RETENTION_SECONDS after the last
 * change. A batch whose process stops fails visibly, with the answers it had (see BatchJobs).
 */
@Injectable()
export class AskBatches implements OnModuleDestroy {
  private readonly jobs: BatchJobs<AskBatchItem>;
  private readonly retentionSeconds: number;
  private readonly jobMinQuestions: number;

  constructor(
    private readonly asks: AskService,
    @Inject(SERVICE_REDIS) redis: Redis,
    config: ConfigService<RagServiceEnv, true>,
  ) {
    this.retentionSeconds = config.get('ASK_BATCH_RETENTION_SECONDS');
    this.jobMinQuestions = config.get('ASK_BATCH_JOB_MIN_QUESTIONS');
    this.jobs = new BatchJobs(redis, { prefix: ASK_BATCH_KEY_PREFIX, retentionSeconds: this.retentionSeconds });
  }

  /** Whether a batch runs in the background: more than ASK_BATCH_JOB_MIN_QUESTIONS, or the caller asked. */
  runsInBackground(questions: number, prefersAsync: boolean): boolean {
    return prefersAsync || questions > this.jobMinQuestions;
  }

  /** Checks the batch as a whole (a 400 now, not a failed job later), records it, and starts it. */
  async start(organisation: string, input: RetrievalScope & { questions: string[] }): Promise<{ id: string }> {
    this.asks.checkBatch(input);
    return this.jobs.start({ organisation, total: input.questions.length }, async (progress) => {
      await this.asks.askMany(input, { signal: progress.signal, onItem: (item) => void progress.result(item) });
    });
  }

  async get(id: string, organisation: string): Promise<BatchJob<AskBatchItem>> {
    const job = await this.jobs.get(id, organisation);
    if (!job) {
      throw new RagError(
        'batch_not_found',
        `no question batch with this id: batches are kept for ${this.retentionSeconds} s (ASK_BATCH_RETENTION_SECONDS) after their last change`,
      );
    }
    return job;
  }

  async onModuleDestroy(): Promise<void> {
    await this.jobs.close();
  }
}
