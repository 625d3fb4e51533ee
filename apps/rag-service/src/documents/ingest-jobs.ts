import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { SERVICE_REDIS } from '@rma/service-core';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

/** Persisted key prefix of ingest job records: renaming it needs a migration (old records vanish). */
export const INGEST_JOB_KEY_PREFIX = 'rag:ingest-job:';
const RETENTION_SECONDS = 86_400;
/** A running job whose record has not moved for this long lost its process: it is reported failed. */
const STALE_AFTER_MS = 120_000;

export interface IngestJob {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  documentId: string;
  title: string;
  chunksTotal: number;
  chunksDone: number;
  error?: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * Large ingests run in the background with their progress in Redis, readable from any replica. A job
 * never stays "running" silently: one whose process died reads as failed, with what to do.
 */
@Injectable()
export class IngestJobs implements OnModuleDestroy {
  private readonly mine = new Set<string>();

  constructor(@Inject(SERVICE_REDIS) private readonly redis: Redis) {}

  async create(fields: Pick<IngestJob, 'documentId' | 'title' | 'chunksTotal'>): Promise<IngestJob> {
    const now = new Date().toISOString();
    const job: IngestJob = {
      id: randomUUID(),
      status: 'queued',
      chunksDone: 0,
      createdAt: now,
      updatedAt: now,
      ...fields,
    };
    await this.save(job);
    this.mine.add(job.id);
    return job;
  }

  /**
   * Merges `change` into the stored record (not a caller's copy, which may be stale); a job already failed
   * (by a shutdown) stays failed.
   */
  async update(id: string, change: Partial<IngestJob>): Promise<void> {
    const raw = await this.redis.get(`${INGEST_JOB_KEY_PREFIX}${id}`);
    if (!raw) return;
    const stored = JSON.parse(raw) as IngestJob;
    if (stored.status === 'failed') return;
    const next = { ...stored, ...change, updatedAt: new Date().toISOString() };
    await this.save(next);
    if (next.status === 'completed' || next.status === 'failed') this.mine.delete(id);
  }

  /** Shows the job is alive without changing it. */
  async touch(id: string): Promise<void> {
    await this.update(id, {});
  }

  async get(id: string): Promise<IngestJob | undefined> {
    const raw = await this.redis.get(`${INGEST_JOB_KEY_PREFIX}${id}`);
    if (!raw) return undefined;
    const job = JSON.parse(raw) as IngestJob;
    const stale = Date.now() - Date.parse(job.updatedAt) > STALE_AFTER_MS;
    if ((job.status === 'running' || job.status === 'queued') && stale) {
      return { ...job, status: 'failed', error: 'the process running this ingest stopped; send the document again' };
    }
    return job;
  }

  /** On shutdown, jobs this process was running fail visibly rather than look alive until they go stale. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all(
      [...this.mine].map(async (id) => {
        const job = await this.get(id);
        if (job && (job.status === 'running' || job.status === 'queued')) {
          await this.update(id, {
            status: 'failed',
            error: 'the service stopped during this ingest; send the document again',
          });
        }
      }),
    ).catch(() => undefined);
  }

  private async save(job: IngestJob): Promise<void> {
    await this.redis.set(`${INGEST_JOB_KEY_PREFIX}${job.id}`, JSON.stringify(job), 'EX', RETENTION_SECONDS);
  }
}
