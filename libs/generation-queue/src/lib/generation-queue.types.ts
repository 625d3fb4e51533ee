import type { LlmClient } from '@rma/llm-provider';
import type { Registry } from 'prom-client';
import type { ConcurrencyMode } from './concurrency-controller';
import type { WorkClass } from './generation-queue.constants';
import type { GenerationError } from './generation.errors';
import type { GenerationResult } from './generation.schemas';

export interface GenerationQueueOptions {
  redisUrl: string;
  /** The LLM the workers call; needed when this process hosts workers or the adaptive controller. */
  llm?: LlmClient;
  concurrency: ConcurrencyMode;
  /** Host workers in this process (the default: `nx serve <app>` works alone). */
  workers?: { enabled: boolean; localConcurrency?: number };
  /**
   * Runs of a job in all when its worker dies mid-job (BullMQ's stalled-job recovery): `attempts - 1`
   * restarts on another worker. An LLM failure is never run again by the queue: the LLM client has
   * already retried it (its attempts, backoff and fallback are the one retry layer). Default 2.
   */
  attempts?: number;
  /** A bulk job waiting longer than this is promoted to interactive priority: bulk never starves. */
  bulkAgingMs?: number;
  /** How long a worker may hold a job without renewing its lock before others recover it. */
  lockDurationMs?: number;
  /** How often workers look for jobs whose worker died (lock expired). */
  stalledIntervalMs?: number;
  /** Finished jobs kept for lookups and idempotency. */
  retention?: { completedAgeSeconds: number; completedCount: number; failedAgeSeconds: number };
  controllerTickMs?: number;
  /**
   * After a doubling of slow start, the leader reads the engines' gauges again this often (until one
   * reading shows it, for at most a tick) rather than waiting for the next tick. Default 100 ms.
   */
  slowStartProbeMs?: number;
  /** Share of the limit kept free of bulk jobs, so that interactive work starts at once (at least 1 slot). */
  interactiveReserve?: number;
  shutdownTimeoutMs?: number;
  /**
   * Longest wait for Redis to take (or cancel) a job: a Redis restart passes unnoticed, a Redis down or
   * frozen longer is a `queue_unavailable` error (503) instead of a request that hangs. Default 2 s.
   */
  redisWaitMs?: number;
  /**
   * Most jobs that may wait per class (bulk jobs parked for a bulk slot count); a call that would go past
   * it is refused before anything is added, with `overloaded` (503 with Retry-After). Defaults: 1,000
   * interactive, 100,000 bulk.
   */
  maxWaiting?: Partial<Record<WorkClass, number>>;
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

export interface GenerateManyOptions extends Omit<GenerateOptions, 'idempotencyKey'> {
  /** Called as each item settles (at its position in `requests`), before the whole batch has. */
  onItem?: (position: number, item: BatchItem) => void;
}

/** Waiting jobs by class and active jobs, across all processes. */
export interface QueueCounts {
  interactive: number;
  bulk: number;
  active: number;
}
