import { Logger } from '@nestjs/common';
import type { LlmClient } from '@rma/llm-provider';
import { RedisLease } from '@rma/service-core';
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AdaptiveLimit } from './adaptive-limit';
import type { ConcurrencyMode, Decision } from './concurrency-controller';
import { BulkSlot, BulkSlots } from './bulk-slots';
import {
  BULK_ACTIVE_KEY,
  BULK_CAP_KEY,
  CLASS_PRIORITY,
  CONTROLLER_LOCK_KEY,
  CONTROLLER_SIGNALS_KEY,
  CONTROLLER_STATE_KEY,
} from './generation-queue.constants';
import type { QueueCounts } from './generation-queue.types';
import type { QueueMetrics } from './queue-metrics';
import { ReplicaLoadSource, replicaLoadSourceOf } from './replica-loads';

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
  slowStartProbeMs?: number;
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
  private ticking = false;
  /** Slow start's quick reading after a doubling (see `probeSoon`), and when that doubling was. */
  private probeTimer?: NodeJS.Timeout;
  private probingSince?: number;
  private limit: number;
  private readonly replicas?: ReplicaLoadSource;
  /** The adaptive limit's memory; a new leader restores it from Redis. */
  private readonly adaptive: AdaptiveLimit;
  private readonly bulkSlots: BulkSlots;
  private stopped = false;

  constructor(
    private readonly options: GenerationGovernorOptions,
    private readonly deps: GenerationGovernorDeps,
  ) {
    this.limit = options.concurrency.mode === 'fixed' ? options.concurrency.limit : options.concurrency.initial;
    this.replicas = deps.replicas ?? (deps.llm ? replicaLoadSourceOf(deps.llm) : undefined);
    const { concurrency } = options;
    this.adaptive = new AdaptiveLimit(concurrency.mode === 'adaptive' ? concurrency : { min: 1, max: 1 });
    // The cap before the first limit is written to Redis: the limit less one slot.
    this.bulkSlots = new BulkSlots(deps.queue, deps.redis, () => Math.max(1, this.limit - 1));
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
    this.timer = setInterval(() => void this.runTick(), this.tickMs());
  }

  /** One tick at a time: ticks stuck on a frozen Redis must not pile up and all run when it thaws. */
  private async runTick(probe = false): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      await this.tick(probe);
    } catch (error) {
      this.logger.error(`Controller tick failed error="${(error as Error).message}"`);
    } finally {
      this.ticking = false;
    }
  }

  private tickMs(): number {
    return this.options.controllerTickMs ?? 500;
  }

  /** Stops the ticks; the caller then releases the leader lock (bounded, Redis may be gone). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.probeTimer);
  }

  /** Gives up the leader lease, if this process holds it; a Redis error leaves it to lapse. */
  async releaseLeadership(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    await lease?.release();
  }

  /**
   * A bulk job may start only while bulk holds fewer than its cap; otherwise it is parked (delayed) until
   * a bulk job ends and wakes it, oldest first (`BulkSlots`).
   */
  takeBulkSlot(job: Job, token: string | undefined): Promise<BulkSlot> {
    return this.bulkSlots.take(job, token);
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

  /**
   * One controller tick, on the process that holds the leader lease: parked bulk, aging, then the
   * adaptive limit. A slow-start probe (`probe`, every 100 ms for a moment) is the adaptive limit alone,
   * on gauges read afresh: the rest waits for the next tick.
   */
  private async tick(probe: boolean): Promise<void> {
    const { redis, queue, metrics } = this.deps;
    const lease = await this.leadership();
    if (!lease || this.stopped) return;
    if (!probe) {
      await this.bulkSlots.wakeParked();
      await this.bulkSlots.wakeOrphans();
      await this.applyGlobalLimit();
      if (this.options.bulkAgingMs) await this.promoteAgedBulk(this.options.bulkAgingMs);
    }
    const concurrency = this.options.concurrency;
    if (concurrency.mode !== 'adaptive') return;
    const [counts, waiting, signals, replicaLoads] = await Promise.all([
      this.deps.counts(),
      queue.getWaitingCount(),
      redis.multi().hgetall(CONTROLLER_SIGNALS_KEY).del(CONTROLLER_SIGNALS_KEY).exec(),
      this.replicas?.replicaLoads({ fresh: probe }).catch(() => undefined),
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
    const raised = decision.limit > this.limit;
    if (decision.limit !== this.limit) {
      this.logger.log(`Concurrency limit changed from=${this.limit} to=${decision.limit} why="${decision.reason}"`);
      metrics.limitChanges.inc({ reason: decision.reason.split(':')[0].replace(/[0-9]+/g, 'N') });
      await this.applyLimit(decision.limit);
      this.adaptive.changed();
      // Bulk jobs parked under the old cap take the new slots now: at the next tick they would leave
      // them empty for up to a tick after each doubling of slow start.
      if (raised) await this.bulkSlots.wakeParked();
    }
    this.probeSoon(decision, raised);
  }

  /**
   * Slow start doubles once per reading of the engines that shows its last doubling. At the provider's
   * scrape (every second) 8 -> 128 took 3-4 s of a 100-question burst that all at once runs in 8.4 s
   * (#15's headline, 91%): after a doubling the leader reads the gauges afresh every `slowStartProbeMs`
   * while the controller waits on them, for at most a tick, so the ramp goes at the engines' own pace.
   */
  private probeSoon(decision: Decision, raised: boolean): void {
    const now = Date.now();
    if (decision.probe && raised) this.probingSince = now;
    if (!decision.probe || this.probingSince === undefined || now - this.probingSince >= this.tickMs()) return;
    clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => void this.runTick(true), this.options.slowStartProbeMs ?? 100);
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
