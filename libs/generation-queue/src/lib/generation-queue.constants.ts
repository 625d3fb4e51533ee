// Persisted names: jobs, streams and keys in Redis outlive a deploy. Renaming any of these needs a
// migration (drain the old queue first).

/** The BullMQ queue every service's generation jobs go through. */
export const GENERATION_QUEUE_NAME = 'rma-generation';
/** The one job name in it; the job, its handler and the producer method share the verb. */
export const GENERATE_JOB_NAME = 'generate';
/** BullMQ's key prefix for this project. */
export const QUEUE_PREFIX = 'rma';
/** Redis Stream of a job's tokens: `rma:generation:tokens:<jobId>`. */
export const TOKEN_STREAM_PREFIX = 'rma:generation:tokens:';
/** Pub/sub channel on which a caller's cancel reaches whichever process runs the job. */
export const CANCEL_CHANNEL = 'rma:generation:cancel';
/** Marker that a job was cancelled, for a worker that picks it up afterwards: `rma:generation:cancelled:<jobId>`. */
export const CANCELLED_KEY_PREFIX = 'rma:generation:cancelled:';
/**
 * A run's outcome (its result, or its encoded failure), written before BullMQ is told: a run of the same
 * job again (its worker died before BullMQ completed it) ends with it instead of calling the LLM again.
 * `rma:generation:outcome:<jobId>:<job timestamp>` (the timestamp tells a job from a later one re-added
 * under the same id, as an idempotency key does).
 */
export const RUN_OUTCOME_PREFIX = 'rma:generation:outcome:';
/** Leader lease of the concurrency controller (service-core's RedisLease): one process sets the global limit. */
export const CONTROLLER_LOCK_KEY = 'rma:generation:controller';
/**
 * The controller's state (limit, best time to first token, engine ceiling, last running count), a hash
 * written only while the leader lease holds: a new leader continues from it.
 */
export const CONTROLLER_STATE_KEY = 'rma:generation:controller-state';
/** Counters workers bump on 429/503 and their TTFTs, read by the controller. */
export const CONTROLLER_SIGNALS_KEY = 'rma:generation:signals';

/** Leases of the bulk jobs running now (a sorted set, score = lease expiry): bulk may use only part of the limit. */
export const BULK_ACTIVE_KEY = 'rma:generation:bulk-active';
/** How many bulk jobs may run at once: the limit less the slots kept free for interactive work. */
export const BULK_CAP_KEY = 'rma:generation:bulk-cap';
/**
 * Bulk jobs parked (delayed) while bulk holds its cap, woken oldest first as slots free up: a sorted set,
 * score = the job's enqueue time.
 */
export const BULK_PARKED_KEY = 'rma:generation:bulk-parked';
/**
 * Parked bulk jobs taken out of BULK_PARKED_KEY to be woken (a sorted set, score = when): a process that
 * dies before it has woken them leaves them here, and the leader wakes them, rather than letting them
 * sleep out their park (5 min).
 */
export const BULK_WAKING_KEY = 'rma:generation:bulk-waking';
/**
 * Places taken by producers between admitting jobs and adding them, per class (a sorted set, score = when
 * taken): admission counts them, so producers admitting at once cannot pass the maximum together.
 */
export const ADMISSION_KEY_PREFIX = 'rma:generation:admitting:';

/** Classes of work: people at a screen before bulk runs. BullMQ runs lower numbers first. */
export const CLASS_PRIORITY = { interactive: 1, bulk: 100 } as const;
export type WorkClass = keyof typeof CLASS_PRIORITY;
