import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RedisRecords } from './redis-records';

export interface BatchJobsOptions {
  /** Key prefix of the batch records. Persisted: renaming it needs a migration (old records vanish). */
  prefix: string;
  /** How long a record (and the results in it) is kept after its last change. */
  retentionSeconds: number;
  /** How often a running batch shows it is alive. */
  heartbeatMs?: number;
  /** A running batch not heard of for this long lost its process: it reads as failed. */
  staleAfterMs?: number;
}

/** One result of a batch, at its place in the request. */
export interface BatchResult {
  index: number;
  ok: boolean;
}

export type BatchJobStatus = 'running' | 'completed' | 'failed';

export interface BatchJob<Result extends BatchResult> {
  id: string;
  status: BatchJobStatus;
  total: number;
  /** Results so far (ok or not), and how many of them failed. */
  done: number;
  failed: number;
  /** What the batch is doing now, for batches that run in steps. */
  stage?: string;
  /** Why a failed batch stopped, safe to show (never a raw Redis or library message); the results it had are kept. */
  error?: string;
  /** The failure's code: a domain error's own, or `service_stopped`, `process_lost`, `internal`. */
  errorCode?: string;
  createdAt: string;
  updatedAt: string;
  /** When the record goes (RETENTION after its last change). */
  expiresAt: string;
  /** The results so far, in index order. */
  results: Result[];
}

/**
 * What the work of a batch reports through, and the signal that stops it (service shutdown). Reports may
 * be left unawaited (from a callback): the batch waits for every one before it ends.
 */
export interface BatchProgress<Result extends BatchResult> {
  readonly signal: AbortSignal;
  /** Records one result; the batch stays running. */
  result(result: Result): Promise<void>;
  stage(name: string): Promise<void>;
}

const ITEM_FIELD = 'result:';
const RUNNING = ['running'] as const;
const KEPT = 'the results below are kept: send the other items again';
// Domain errors (RagError, GenerationError, ...) carry a snake_case code and a message written for the
// client; Node's system errors carry upper-case codes (ECONNREFUSED) and messages that are not.
const DOMAIN_CODE = /^[a-z][a-z0-9_]*$/;

/** A work failure as the caller may read it: a domain error's own code and message, else a generic one. */
function failureOf(error: unknown): { errorCode: string; error: string } {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (error instanceof Error && typeof code === 'string' && DOMAIN_CODE.test(code)) {
    return { errorCode: code, error: error.message };
  }
  return { errorCode: 'internal', error: `the batch failed on an internal error; ${KEPT}` };
}

interface RunningBatch<Result> {
  stop: AbortController;
  /** Results whose write failed (Redis down a moment): they go again with the batch's end. */
  unwritten: Map<number, Result>;
}

/**
 * Batches that run in the background of the process that accepted them, with their results kept in one
 * Redis hash per batch (a field per result), readable from any replica by the organisation that sent
 * them. A batch accepted is never silently lost: its record exists before the caller hears of it; a
 * process that stops (shutdown) fails its batches, and one that dies leaves them to read as failed once
 * they stop beating; either way every result already written stays readable, so only the rest needs
 * sending again. Batches do not resume on another process.
 */
export class BatchJobs<Result extends BatchResult> {
  private readonly logger = new Logger(BatchJobs.name);
  private readonly records: RedisRecords;
  private readonly heartbeatMs: number;
  private readonly staleAfterMs: number;
  private readonly mine = new Map<string, RunningBatch<Result>>();

  constructor(
    redis: Redis,
    private readonly options: BatchJobsOptions,
  ) {
    this.records = new RedisRecords(redis, { prefix: options.prefix, ttlSeconds: options.retentionSeconds });
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
    this.staleAfterMs = options.staleAfterMs ?? Math.max(120_000, this.heartbeatMs * 4);
  }

  /**
   * Records the batch (running), then runs `work` in the background; its end completes the batch, its
   * failure fails it with the message. Resolves with the id once the record is written.
   */
  async start(
    batch: { organisation: string; total: number },
    work: (progress: BatchProgress<Result>) => Promise<void>,
  ): Promise<{ id: string }> {
    const id = randomUUID();
    const now = new Date().toISOString();
    await this.records.create(id, {
      id,
      organisation: batch.organisation,
      status: 'running',
      total: batch.total,
      createdAt: now,
      updatedAt: now,
    });
    const running: RunningBatch<Result> = { stop: new AbortController(), unwritten: new Map() };
    this.mine.set(id, running);
    void this.run(id, running, work);
    return { id };
  }

  /** The batch, when it exists and belongs to `organisation` (another's reads as absent). */
  async get(id: string, organisation: string): Promise<BatchJob<Result> | undefined> {
    const fields = await this.records.get(id);
    if (!fields || fields['organisation'] !== organisation) return undefined;
    const results = Object.entries(fields)
      .filter(([field]) => field.startsWith(ITEM_FIELD))
      .map(([, value]) => JSON.parse(value) as Result)
      .sort((a, b) => a.index - b.index);
    let status = fields['status'] as BatchJobStatus;
    let error = fields['error'];
    let errorCode = fields['errorCode'];
    if (status === 'running' && Date.now() - Date.parse(fields['updatedAt']) > this.staleAfterMs) {
      status = 'failed';
      error = `the process running this batch stopped; ${KEPT}`;
      errorCode = 'process_lost';
    }
    return {
      id,
      status,
      total: Number(fields['total']),
      done: results.length,
      failed: results.filter((result) => !result.ok).length,
      ...(fields['stage'] !== undefined && { stage: fields['stage'] }),
      ...(error !== undefined && { error }),
      ...(errorCode !== undefined && { errorCode }),
      createdAt: fields['createdAt'],
      updatedAt: fields['updatedAt'],
      expiresAt: new Date(Date.parse(fields['updatedAt']) + this.options.retentionSeconds * 1000).toISOString(),
      results,
    };
  }

  /** On shutdown the batches this process runs stop and fail visibly, their results so far kept. */
  async close(): Promise<void> {
    const running = [...this.mine.entries()];
    for (const [, { stop }] of running) stop.abort(new Error('the service is stopping'));
    this.mine.clear();
    // One try each: with Redis down, a shutdown must not wait; the batches then read as failed once stale.
    await Promise.all(
      running.map(([id, { unwritten }]) =>
        this.end(
          id,
          {
            ...lateFields(unwritten),
            status: 'failed',
            errorCode: 'service_stopped',
            error: `the service stopped during this batch; ${KEPT}`,
          },
          1,
        ),
      ),
    );
  }

  private async run(
    id: string,
    { stop, unwritten }: RunningBatch<Result>,
    work: (progress: BatchProgress<Result>) => Promise<void>,
  ): Promise<void> {
    const heartbeat = setInterval(() => void this.change(id, {}).catch(() => undefined), this.heartbeatMs);
    heartbeat.unref();
    // Every report the work made, awaited before the batch ends (a report never rejects).
    const reports: Promise<void>[] = [];
    const reported = (report: Promise<void>) => {
      reports.push(report);
      return report;
    };
    const progress: BatchProgress<Result> = {
      signal: stop.signal,
      result: (result) =>
        reported(
          this.change(id, { [`${ITEM_FIELD}${result.index}`]: JSON.stringify(result) }).then(
            () => void unwritten.delete(result.index),
            () => void unwritten.set(result.index, result),
          ),
        ),
      stage: (name) =>
        reported(
          this.change(id, { stage: name }).then(
            () => undefined,
            () => undefined,
          ),
        ),
    };
    let outcome: Record<string, string>;
    try {
      await work(progress);
      outcome = { status: 'completed' };
    } catch (error) {
      // The detail stays in the log; the record (read by the caller) gets a safe message.
      this.logger.warn(`Batch failed batchId=${id} error=${(error as Error).message}`);
      outcome = { status: 'failed', ...failureOf(error) };
    } finally {
      clearInterval(heartbeat);
      await Promise.all(reports);
    }
    if (stop.signal.aborted) return; // close() ended it, with the unwritten results
    this.mine.delete(id);
    await this.end(id, { ...lateFields(unwritten), ...outcome });
  }

  /** The batch's last change, tried a few times (Redis may be restarting); failing that it goes stale. */
  private async end(id: string, fields: Record<string, string>, attempts = 5): Promise<void> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await this.change(id, fields);
        return;
      } catch (error) {
        if (attempt === attempts) {
          this.logger.warn(
            `Batch end not recorded batchId=${id}; it will read as failed error=${(error as Error).message}`,
          );
        } else await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  private change(id: string, fields: Record<string, string>): Promise<boolean> {
    return this.records.update(id, { ...fields, updatedAt: new Date().toISOString() }, { onlyFrom: RUNNING });
  }
}

function lateFields<Result>(unwritten: Map<number, Result>): Record<string, string> {
  return Object.fromEntries([...unwritten].map(([index, result]) => [`${ITEM_FIELD}${index}`, JSON.stringify(result)]));
}
