import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BatchJob, BatchJobs, SERVICE_REDIS } from '@rma/service-core';
import type { Redis } from 'ioredis';
import type { NotesServiceEnv } from '../config/env.schema';
import { LetterError } from './letters.errors';
import { LetterBatchItem, LettersService } from './letters.service';

/** Persisted key prefix of background letter batches (hashes): renaming it needs a migration. */
export const LETTER_BATCH_KEY_PREFIX = 'notes:letter-batch:';

/**
 * Letter batches run in the background (202 and an id): each letter is recorded once final, readable by
 * the sender's organisation from any replica for LETTER_BATCH_RETENTION_SECONDS after the last change
 * (letters are personal data: an hour by default). `stage` says which step runs (facts, letter,
 * rewrite). A batch whose process stops fails visibly, with the letters it had (see BatchJobs).
 */
@Injectable()
export class LetterBatches implements OnModuleDestroy {
  private readonly jobs: BatchJobs<LetterBatchItem>;
  private readonly retentionSeconds: number;
  private readonly jobMinItems: number;

  constructor(
    private readonly letters: LettersService,
    @Inject(SERVICE_REDIS) redis: Redis,
    config: ConfigService<NotesServiceEnv, true>,
  ) {
    this.retentionSeconds = config.get('LETTER_BATCH_RETENTION_SECONDS');
    this.jobMinItems = config.get('LETTER_BATCH_JOB_MIN_ITEMS');
    this.jobs = new BatchJobs(redis, { prefix: LETTER_BATCH_KEY_PREFIX, retentionSeconds: this.retentionSeconds });
  }

  /** Whether a batch runs in the background: more than LETTER_BATCH_JOB_MIN_ITEMS, or the caller asked. */
  runsInBackground(items: number, prefersAsync: boolean): boolean {
    return prefersAsync || items > this.jobMinItems;
  }

  /** Checks the batch as a whole (a 400 now, not a failed job later), records it, and starts it. */
  async start(organisation: string, items: Record<string, unknown>[]): Promise<{ id: string }> {
    this.letters.checkBatch(items);
    return this.jobs.start({ organisation, total: items.length }, async (progress) => {
      await this.letters.writeMany(items, {
        signal: progress.signal,
        onItem: (item) => void progress.result(item),
        onStage: (stage) => void progress.stage(stage),
      });
    });
  }

  async get(id: string, organisation: string): Promise<BatchJob<LetterBatchItem>> {
    const job = await this.jobs.get(id, organisation);
    if (!job) {
      throw new LetterError(
        'batch_not_found',
        `no letter batch with this id: batches are kept for ${this.retentionSeconds} s (LETTER_BATCH_RETENTION_SECONDS) after their last change`,
      );
    }
    return job;
  }

  async onModuleDestroy(): Promise<void> {
    await this.jobs.close();
  }
}
