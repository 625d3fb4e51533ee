import { Logger } from '@nestjs/common';
import type { LlmClient } from '@rma/llm-provider';
import { RedisLease } from '@rma/service-core';
import { DelayedError, Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AdaptiveLimit } from './adaptive-limit';
import type { ConcurrencyMode } from './concurrency-controller';
import {
  BULK_ACTIVE_KEY,
  BULK_CAP_KEY,
  BULK_PARKED_KEY,
  CLASS_PRIORITY,
  CONTROLLER_LOCK_KEY,
  CONTROLLER_SIGNALS_KEY,
  CONTROLLER_STATE_KEY,
} from './generation-queue.constants';
import type { QueueCounts } from './generation-queue.types';
import type { QueueMetrics } from './queue-metrics';
import { ReplicaLoadSource, replicaLoadSourceOf } from './replica-loads';

const BULK_LEASE_MS = 30_000;
/**
 * How long a parked bulk job sleeps unless a freed slot wakes it first: only a backstop (every release
 * wakes the oldest parked job, and the leader wakes as many as slots are free at each tick).
 */
const BULK_PARK_MS = 5 * 60_000;
/**
 * Takes a bulk slot when fewer than the cap are leased (expired leases, a dead worker's, are dropped
 * first), and unparks the job; otherwise parks it (oldest first by its enqueue time).
 */
const TAKE_BULK_SLOT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local cap = tonumber(redis.call('GET', KEYS[2]) or ARGV[4])
if redis.call('ZCARD', KEYS[1]) < cap then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
  redis.call('ZREM', KEYS[3], ARGV[3])
  return 1
end
redis.call('ZADD', KEYS[3], 'NX', ARGV[5], ARGV[3])
return 0`;
/** Releases a bulk slot (if ARGV[2] names one), then takes out the oldest parked jobs, as many as slots are free. */
const WAKE_PARKED = `
if ARGV[2] ~= '' then redis.call('ZREM', KEYS[1], ARGV[2]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local cap = tonumber(redis.call('GET', KEYS[2]) or ARGV[3])
local free = cap - redis.call('ZCARD', KEYS[1])
if free <= 0 then return {} end
return redis.call('ZPOPMIN', KEYS[3], free)`;

/** A bulk job's share of the limit while it runs; released when it ends. */
export interface BulkSlot {
  release(): Promise<void>;
}

/** What a worker needs from the governor: the bulk cap, and the load it saw (for the adaptive limit). */
export interface WorkerGovernor {
  /** A slot for a bulk job, or the job goes back to wait for one (throws BullMQ's DelayedError). */
  takeBulkSlot(job: Job, token: string | undefined): Promise<BulkSlot>;
  /** A 429 or 503 from the engine: the limit shrinks at the next tick. */
  reportOverload(): Promise<void>;
  /** A time to first token, for the limit without engine gauges (Ollama). */
  reportTtft(ms: number): Promise<void>;
}

export interface GenerationGovernorOptions {
  concurrency: ConcurrencyMode;
  bulkAgingMs?: number;
  controllerTickMs?: number;
  interactiveReserve?: number;
}

export interface GenerationGovernorDeps {
  queue: Queue;
  /** A command connection (not blocking, not subscribed). */
  redis: Redis;
  llm?: LlmClient;
  /** Where the replicas' loads come from; by default the LLM client's. */
  replicas?: ReplicaLoadSource;
  metrics: QueueMetrics;
  counts: () => Promise<QueueCounts>;
}

/**
 * The global limit and who gets it: one leader process (a lock in Redis) ages bulk work and, in adaptive
 * mode, sets the limit from the engine's load; every process's workers take bulk slots under the cap.
 */
export class GenerationGovernor implements WorkerGovernor {
  private readonly logger = new Logger(GenerationGovernor.name);
  /** Held while this process leads; its fencing guards every write of the controller's state. */
  private lease?: RedisLease;
  private timer?: NodeJS.Timeout;
  private limit: number;
  private readonly replicas?: ReplicaLoadSource;
  /** The adaptive limit's memory; a new leader restores it from Redis. */
  private readonly adaptive: AdaptiveLimit;
  private stopped = false;

  constructor(
    private readonly options: GenerationGovernorOptions,
    private readonly deps: GenerationGovernorDeps,
  ) {
    this.limit = options.concurrency.mode === 'fixed' ? options.concurrency.limit : options.concurrency.initial;
    this.replicas = deps.replicas ?? (deps.llm ? replicaLoadSourceOf(deps.llm) : undefined);
    const { concurrency } = options;
    this.adaptive = new AdaptiveLimit(concurrency.mode === 'adaptive' ? concurrency : { min: 1, max: 1 });
  }

  /** The global limit this process last set or saw. */
  get currentLimit(): number {
    return this.limit;
  }

  /** Sets the global limit (fixed mode) or adopts the one in Redis (adaptive), then starts the ticks. */
  async start(): Promise<void> {
    // An adaptive limit already in Redis is the leader's latest: a process that restarts (a rolling
    // deploy) adopts it rather than resetting every process's work to the initial value. The leader's
    // limit first: BullMQ's global one stays above it while bulk work drains after a cut.
    const existing =
      this.options.concurrency.mode === 'adaptive'
        ? Number((await this.deps.redis.hget(CONTROLLER_STATE_KEY, 'limit')) || 0) ||
          (await this.deps.queue.getGlobalConcurrency())
        : null;
    await this.applyLimit(existing ?? this.limit);
    // Ticks in every mode: besides aging and the adaptive limit, the leader wakes parked bulk jobs
    // whose wake-up a release missed (a worker that died, a job not yet parked when it was woken).
    const tick = this.options.controllerTickMs ?? 500;
    // One tick at a time: ticks stuck on a frozen Redis must not pile up and all run when it thaws.
    let ticking = false;
    this.timer = setInterval(() => {
      if (ticking) return;
      ticking = true;
      void this.tick()
        .catch((error) => this.logger.error(`Controller tick failed error="${error.message}"`))
        .finally(() => (ticking = false));
    }, tick);
  }

  /** Stops the ticks; the caller then releases the leader lock (bounded, Redis may be gone). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Gives up the leader lease, if this process holds it; a Redis error leaves it to lapse. */
  async releaseLeadership(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    await lease?.release();
  }

  /**
   * A bulk job may start only while bulk holds fewer than its cap; otherwise it is parked (delayed) until
   * a bulk job ends and wakes it, oldest first. BullMQ's own global limit still counts a job while it is
   * active, so the limit is never exceeded.
   */
  async takeBulkSlot(job: Job, token: string | undefined): Promise<BulkSlot> {
    const { redis } = this.deps;
    const jobId = job.id as string;
    const now = Date.now();
    const taken = await redis.eval(
      TAKE_BULK_SLOT,
      3,
      BULK_ACTIVE_KEY,
      BULK_CAP_KEY,
      BULK_PARKED_KEY,
      now,
      now + BULK_LEASE_MS,
      jobId,
      this.bulkCapFallback(),
      job.timestamp,
    );
    if (taken !== 1) {
      await job.moveToDelayed(now + BULK_PARK_MS, token);
      throw new DelayedError();
    }
    const renewal = setInterval(
      () => void redis.zadd(BULK_ACTIVE_KEY, 'XX', Date.now() + BULK_LEASE_MS, jobId).catch(() => undefined),
      BULK_LEASE_MS / 3,
    );
    return {
      release: async () => {
        clearInterval(renewal);
        await this.wakeParked(jobId).catch(() => undefined);
      },
    };
  }

  async reportOverload(): Promise<void> {
    await this.deps.redis.hincrby(CONTROLLER_SIGNALS_KEY, 'overloads', 1);
  }

  async reportTtft(ms: number): Promise<void> {
    await this.deps.redis
      .multi()
      .hincrbyfloat(CONTROLLER_SIGNALS_KEY, 'ttftSum', ms)
      .hincrby(CONTROLLER_SIGNALS_KEY, 'ttftCount', 1)
      .exec();
  }

  /** One controller tick, on the process that holds the leader lease: parked bulk, aging, then the adaptive limit. */
  private async tick(): Promise<void> {
    const { redis, queue, metrics } = this.deps;
    const lease = await this.leadership();
    if (!lease || this.stopped) return;
    await this.wakeParked();
    await this.applyGlobalLimit();
    if (this.options.bulkAgingMs) await this.promoteAgedBulk(this.options.bulkAgingMs);
    const concurrency = this.options.concurrency;
    if (concurrency.mode !== 'adaptive') return;
    const [counts, waiting, signals, replicaLoads] = await Promise.all([
      this.deps.counts(),
      queue.getWaitingCount(),
      redis.multi().hgetall(CONTROLLER_SIGNALS_KEY).del(CONTROLLER_SIGNALS_KEY).exec(),
      this.replicas?.replicaLoads().catch(() => undefined),
    ]);
    const values = (signals?.[0]?.[1] ?? {}) as Record<string, string>;
    const ttftCount = Number(values['ttftCount'] ?? 0);
    const decision = this.adaptive.step(this.limit, {
      backlog: counts.interactive + counts.bulk + waiting,
      inFlight: counts.active,
      overloads: Number(values['overloads'] ?? 0),
      ttftMs: ttftCount > 0 ? Number(values['ttftSum']) / ttftCount : undefined,
      replicaLoads,
    });
    // The state first, fenced: a leader that lost the lease without knowing (a long pause) writes
    // nothing, and leaves the limit to the new leader.
    if (!(await lease.fencedHashSet(CONTROLLER_STATE_KEY, this.adaptive.state(decision.limit)))) return;
    if (decision.limit !== this.limit) {
      this.logger.log(`Concurrency limit changed from=${this.limit} to=${decision.limit} why="${decision.reason}"`);
      metrics.limitChanges.inc({ reason: decision.reason.split(':')[0].replace(/[0-9]+/g, 'N') });
      const raised = decision.limit > this.limit;
      await this.applyLimit(decision.limit);
      this.adaptive.changed();
      // Bulk jobs parked under the old cap take the new slots now: at the next tick they would leave
      // them empty for up to a tick after each doubling of slow start.
      if (raised) await this.wakeParked();
    }
  }

  /**
   * The leader lease, held or newly taken; undefined while another process leads. A new leader takes
   * the controller's state from Redis (adaptive mode), so it continues where the last one stopped
   * rather than from what this process saw when it started.
   */
  private async leadership(): Promise<RedisLease | undefined> {
    if (this.lease && !this.lease.lost.aborted) return this.lease;
    this.lease = undefined;
    const { redis } = this.deps;
    const lease = await RedisLease.acquire(redis, {
      key: CONTROLLER_LOCK_KEY,
      ttlMs: (this.options.controllerTickMs ?? 500) * 4,
    });
    if (!lease) return undefined;
    if (this.stopped) {
      await lease.release();
      return undefined;
    }
    const concurrency = this.options.concurrency;
    if (concurrency.mode === 'adaptive') {
      const state = await redis.hgetall(CONTROLLER_STATE_KEY);
      const number = (field: string) => (state[field] ? Number(state[field]) : undefined);
      const limit = number('limit');
      const continued = limit === undefined ? this.limit : Math.max(concurrency.min, Math.min(concurrency.max, limit));
      if (continued !== this.limit) await this.applyLimit(continued);
      this.adaptive.restore(state);
      this.logger.log(`Leading the generation controller limit=${this.limit} fencingToken=${lease.token}`);
    }
    this.lease = lease;
    return lease;
  }

  /** The bulk cap under the limit (a few slots stay free for interactive work), then the global limit. */
  private async applyLimit(limit: number): Promise<void> {
    this.limit = limit;
    await this.deps.redis.set(BULK_CAP_KEY, String(Math.max(1, limit - this.reserve())));
    await this.applyGlobalLimit();
    this.deps.metrics.limit.set(limit);
  }

  /**
   * BullMQ's global limit: the limit, or while more bulk jobs run than a cut left them (jobs already sent
   * stay until they finish), those plus the interactive reserve. BullMQ counts every active job against
   * it: at the limit alone, a cut below what runs (slow start doubling past the replicas' capacity, a
   * replica leaving) held people behind bulk work until that excess drained (16-18 s, 1,000 bulk jobs over
   * 3 replicas). Bulk stays held at its cap, so this comes back down to the limit as it drains.
   */
  private async applyGlobalLimit(): Promise<void> {
    const bulkRunning = await this.deps.redis.zcount(BULK_ACTIVE_KEY, Date.now(), '+inf');
    await this.deps.queue.setGlobalConcurrency(Math.max(this.limit, bulkRunning + this.reserve()));
  }

  /** Slots of the limit bulk work may not take. */
  private reserve(): number {
    return Math.max(1, Math.ceil(this.limit * (this.options.interactiveReserve ?? 0.05)));
  }

  /**
   * Frees `releasedJobId`'s bulk slot, if given, and wakes the oldest parked bulk jobs into the free
   * slots. A job parked but not yet moved to delayed cannot be promoted: it goes back to the parked set
   * with its place, for the next release or tick.
   */
  private async wakeParked(releasedJobId = ''): Promise<void> {
    const { redis, queue } = this.deps;
    const popped = (await redis.eval(
      WAKE_PARKED,
      3,
      BULK_ACTIVE_KEY,
      BULK_CAP_KEY,
      BULK_PARKED_KEY,
      Date.now(),
      releasedJobId,
      this.bulkCapFallback(),
    )) as string[];
    for (let i = 0; i < popped.length; i += 2) {
      const [jobId, score] = [popped[i], popped[i + 1]];
      const job = await Job.fromId(queue, jobId);
      if (!job) continue; // removed (cancelled) while parked
      const promoted = await job.promote().then(
        () => true,
        () => false,
      );
      if (!promoted && (await job.getState()) === 'active') await redis.zadd(BULK_PARKED_KEY, 'NX', score, jobId);
    }
  }

  /** The bulk cap before the first limit is written to Redis. */
  private bulkCapFallback(): number {
    return Math.max(1, this.limit - 1);
  }

  /**
   * Promotes the oldest bulk jobs that waited past `agingMs`, however many interactive jobs wait ahead
   * of them. BullMQ scores a prioritized job `priority * 2^32 + counter`, so the bulk jobs are one score
   * range of its prioritized set, oldest first.
   */
  private async promoteAgedBulk(agingMs: number): Promise<void> {
    const { queue, redis } = this.deps;
    const key = queue.keys['prioritized'];
    const from = CLASS_PRIORITY.bulk * 0x100000000;
    const ids = await redis.zrangebyscore(key, from, from + 0xffffffff, 'LIMIT', 0, 200);
    const cutoff = Date.now() - agingMs;
    const oldest = (await Promise.all(ids.map((id) => Job.fromId(queue, id)))).filter(
      (job): job is Job => job !== undefined,
    );
    await Promise.all(
      oldest
        .filter((job) => job.timestamp < cutoff)
        .map((job) => job.changePriority({ priority: CLASS_PRIORITY.interactive }).catch(() => undefined)),
    );
  }
}
