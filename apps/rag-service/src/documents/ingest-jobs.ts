import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { RedisRecords, SERVICE_REDIS, isOwnedBy } from '@rma/service-core';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

/**
 * Persisted key prefix of ingest job records (hashes): renaming it needs a migration (old records vanish).
 * An earlier release's records (JSON strings, kept a day) read as not found.
 */
export const INGEST_JOB_KEY_PREFIX = 'rag:ingest-job:';
const RETENTION_SECONDS = 86_400;
/** A running job whose record has not moved for this long lost its process: it is reported failed. */
const STALE_AFTER_MS = 120_000;

export interface IngestJob {
  id: string;
  /**
   * The organisation of the key that started it: only that organisation reads it. Records from before
   * tenancy have none and are LOCAL_ORGANISATION's.
   */
  organisation?: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  documentId: string;
  title: string;
  chunksTotal: number;
  chunksDone: number;
  error?: string;
  createdAt: string;
  updatedAt: string;
}

const ACTIVE: ReadonlyArray<IngestJob['status']> = ['queued', 'running'];

/**
 * Large ingests run in the background with their progress in Redis, readable from any replica. A job
 * never stays "running" silently: one whose process died reads as failed, with what to do. Records change
 * field by field, and only from an active status: a late heartbeat or progress step cannot undo an end.
 */
@Injectable()
export class IngestJobs implements OnModuleDestroy {
  private readonly mine = new Set<string>();
  private readonly records: RedisRecords;

  constructor(@Inject(SERVICE_REDIS) redis: Redis) {
    this.records = new RedisRecords(redis, { prefix: INGEST_JOB_KEY_PREFIX, ttlSeconds: RETENTION_SECONDS });
  }

  async create(
    fields: Pick<IngestJob, 'documentId' | 'title' | 'chunksTotal'> & { organisation: string },
  ): Promise<IngestJob> {
    const now = new Date().toISOString();
    const job: IngestJob = {
      id: randomUUID(),
      status: 'queued',
      chunksDone: 0,
      createdAt: now,
      updatedAt: now,
      ...fields,
    };
    await this.records.create(job.id, { ...job });
    this.mine.add(job.id);
    return job;
  }

  /** Applies `change` while the job is queued or running; a job that ended (or failed by a shutdown) stays so. */
  async update(id: string, change: Partial<Pick<IngestJob, 'status' | 'chunksDone' | 'error'>>): Promise<void> {
    const fields = Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined));
    await this.records.update(id, { ...fields, updatedAt: new Date().toISOString() }, { onlyFrom: ACTIVE });
    if (change.status === 'completed' || change.status === 'failed') this.mine.delete(id);
  }

  /** Shows the job is alive without changing it. */
  async touch(id: string): Promise<void> {
    await this.update(id, {});
  }

  /** The job, when `organisation` started it; another organisation's reads as absent. */
  async get(id: string, organisation: string): Promise<IngestJob | undefined> {
    const fields = await this.records.get(id).catch((error: Error) => {
      if (error.message.startsWith('WRONGTYPE')) return undefined; // an earlier release's record
      throw error;
    });
    if (!fields || !isOwnedBy(fields, organisation)) return undefined;
    const job: IngestJob = {
      id: fields['id'],
      ...(fields['organisation'] !== undefined && { organisation: fields['organisation'] }),
      status: fields['status'] as IngestJob['status'],
      documentId: fields['documentId'],
      title: fields['title'],
      chunksTotal: Number(fields['chunksTotal']),
      chunksDone: Number(fields['chunksDone']),
      ...(fields['error'] !== undefined && { error: fields['error'] }),
      createdAt: fields['createdAt'],
      updatedAt: fields['updatedAt'],
    };
    const stale = Date.now() - Date.parse(job.updatedAt) > STALE_AFTER_MS;
    if (ACTIVE.includes(job.status) && stale) {
      return { ...job, status: 'failed', error: 'the process running this ingest stopped; send the document again' };
    }
    return job;
  }

  /** On shutdown, jobs this process was running fail visibly rather than look alive until they go stale. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all(
      [...this.mine].map((id) =>
        this.update(id, { status: 'failed', error: 'the service stopped during this ingest; send the document again' }),
      ),
    ).catch(() => undefined);
  }
}
