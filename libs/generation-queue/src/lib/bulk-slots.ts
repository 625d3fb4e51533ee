import { Logger } from '@nestjs/common';
import { DelayedError, Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { BULK_ACTIVE_KEY, BULK_CAP_KEY, BULK_PARKED_KEY, BULK_WAKING_KEY } from './generation-queue.constants';

const BULK_LEASE_MS = 30_000;
/**
 * How long a parked bulk job sleeps unless a freed slot wakes it first: only a backstop (every release
 * wakes the oldest parked job, and the leader wakes as many as slots are free at each tick).
 */
const BULK_PARK_MS = 5 * 60_000;
/** A parked job taken out to be woken and still in BULK_WAKING_KEY after this long lost its waker: the leader wakes it. */
const BULK_WAKING_GRACE_MS = 5_000;
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
/**
 * Releases a bulk slot (if ARGV[2] names one), then takes out the oldest parked jobs, as many as slots are
 * free, and notes them as being woken (KEYS[4]) until the waker has promoted them.
 */
const WAKE_PARKED = `
if ARGV[2] ~= '' then redis.call('ZREM', KEYS[1], ARGV[2]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local cap = tonumber(redis.call('GET', KEYS[2]) or ARGV[3])
local free = cap - redis.call('ZCARD', KEYS[1])
if free <= 0 then return {} end
local popped = redis.call('ZPOPMIN', KEYS[3], free)
for i = 1, #popped, 2 do redis.call('ZADD', KEYS[4], ARGV[1], popped[i]) end
return popped`;

/** A bulk job's share of the limit while it runs; released when it ends. */
export interface BulkSlot {
  release(): Promise<void>;
}

/**
 * Bulk work's share of the global limit, across every process: a job takes a slot (a lease in Redis) or
 * is parked (delayed) until one frees up, and every release wakes the oldest parked jobs into the free
 * slots; the leader also wakes them at each tick (`wakeParked`) and wakes those a dead waker left
 * (`wakeOrphans`).
 */
export class BulkSlots {
  private readonly logger = new Logger(BulkSlots.name);

  constructor(
    private readonly queue: Queue,
    /** A command connection (not blocking, not subscribed). */
    private readonly redis: Redis,
    /** The cap before the first limit is written to Redis. */
    private readonly capFallback: () => number,
  ) {}

  /**
   * A bulk job may start only while bulk holds fewer than its cap; otherwise it is parked (delayed) until
   * a bulk job ends and wakes it, oldest first. BullMQ's own global limit still counts a job while it is
   * active, so the limit is never exceeded.
   */
  async take(job: Job, token: string | undefined): Promise<BulkSlot> {
    const { redis } = this;
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
      this.capFallback(),
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

  /**
   * Frees `releasedJobId`'s bulk slot, if given, and wakes the oldest parked bulk jobs into the free
   * slots. Each stays noted as being woken until it is, so that one whose waker dies midway (a SIGKILL
   * between the two steps) is woken by the leader (`wakeOrphans`) rather than sleeping out its park.
   */
  async wakeParked(releasedJobId = ''): Promise<void> {
    const { redis } = this;
    const popped = (await redis.eval(
      WAKE_PARKED,
      4,
      BULK_ACTIVE_KEY,
      BULK_CAP_KEY,
      BULK_PARKED_KEY,
      BULK_WAKING_KEY,
      Date.now(),
      releasedJobId,
      this.capFallback(),
    )) as string[];
    // ZPOPMIN answers member, score, member, score...
    await this.wakeNoted(popped.filter((_, i) => i % 2 === 0));
  }

  /** Parked jobs whose waker died before it woke them (see `wakeParked`): the leader wakes them. */
  async wakeOrphans(): Promise<void> {
    const { redis } = this;
    const orphans = await redis.zrangebyscore(BULK_WAKING_KEY, '-inf', Date.now() - BULK_WAKING_GRACE_MS);
    if (orphans.length > 0) this.logger.warn(`Waking parked bulk jobs their waker left jobIds=${orphans.join(',')}`);
    await this.wakeNoted(orphans);
  }

  /** Wakes jobs noted in BULK_WAKING_KEY, each note dropped once its job is woken. */
  private async wakeNoted(jobIds: string[]): Promise<void> {
    for (const jobId of jobIds) {
      await this.wake(jobId);
      await this.redis.zrem(BULK_WAKING_KEY, jobId);
    }
  }

  /**
   * Promotes a parked job out of its delay. A job is parked in two steps (its place in the parked set,
   * then moved to delayed by its worker), so one taken out between them is still active: it is promoted
   * once it is delayed, or given its place back (its enqueue time, as `take` parks it) for the next
   * wake. One that runs or ended is left.
   */
  private async wake(jobId: string): Promise<void> {
    const { redis, queue } = this;
    const job = await Job.fromId(queue, jobId);
    if (!job) return; // removed (cancelled) while parked
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const promoted = await job.promote().then(
        () => true,
        () => false,
      );
      if (promoted) return;
      const state = await job.getState();
      if (state === 'delayed') continue; // moved to delayed since the promote was refused
      const parking = state === 'active' && (await redis.zscore(BULK_ACTIVE_KEY, jobId)) === null;
      if (parking) await redis.zadd(BULK_PARKED_KEY, 'NX', job.timestamp, jobId);
      return;
    }
  }
}
