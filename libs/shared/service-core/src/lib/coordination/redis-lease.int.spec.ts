import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LeaseLostError, RedisLease } from './redis-lease';

const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;

describe(RedisLease.name, () => {
  let redis: Redis;
  let key: string;
  const leases: RedisLease[] = [];

  async function acquire(options: { ttlMs: number; renewEveryMs?: number }, client = redis): Promise<RedisLease> {
    const lease = await RedisLease.acquire(client, { key, ...options });
    if (!lease) throw new Error(`expected to acquire ${key}`);
    leases.push(lease);
    return lease;
  }

  beforeAll(() => {
    redis = new Redis(redisUrl);
  });
  beforeEach(() => {
    key = `test:lease:${randomUUID()}`;
  });
  afterEach(async () => {
    await Promise.all(leases.splice(0).map((lease) => lease.release()));
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('has one holder at a time, and the next holder gets a larger fencing token', async () => {
    const first = await acquire({ ttlMs: 10_000 });

    expect(await RedisLease.acquire(redis, { key, ttlMs: 10_000 })).toBeUndefined();
    await first.release();
    const second = await acquire({ ttlMs: 10_000 });

    expect(second.token).toBeGreaterThan(first.token);
  });

  it('stays held while its holder renews it, past its TTL', async () => {
    const lease = await acquire({ ttlMs: 300, renewEveryMs: 100 });

    await sleep(900);

    expect(await RedisLease.acquire(redis, { key, ttlMs: 300 })).toBeUndefined();
    await expect(lease.assertHeld()).resolves.toBeUndefined();
    expect(lease.lost.aborted).toBe(false);
  });

  it('fences a holder whose lease lapsed: its writes are refused and cannot undo the new holder', async () => {
    // Renewing less often than the TTL stands in for a holder paused (GC, a frozen process) past its lease.
    const stale = await acquire({ ttlMs: 200, renewEveryMs: 60_000 });
    await sleep(300);
    const current = await acquire({ ttlMs: 10_000 });
    const record = `${key}:record`;

    expect(await stale.fencedHashSet(record, { limit: 1 })).toBe(false);
    expect(stale.lost.aborted).toBe(true);
    expect(stale.lost.reason).toBeInstanceOf(LeaseLostError);
    await expect(stale.assertHeld()).rejects.toThrow(LeaseLostError);
    await stale.release();

    expect(await current.fencedHashSet(record, { limit: 2 })).toBe(true);
    await expect(current.assertHeld()).resolves.toBeUndefined();
    expect(await redis.hget(record, 'limit')).toBe('2');
    await redis.del(record);
  });

  it('signals the loss on its own when a renewal finds another holder', async () => {
    const stale = await acquire({ ttlMs: 200, renewEveryMs: 250 });
    await sleep(210);
    await acquire({ ttlMs: 10_000 });

    await sleep(200);

    expect(stale.lost.aborted).toBe(true);
  });

  it('counts failed renewals (Redis unreachable) as a loss only once a whole TTL has passed', async () => {
    const client = new Redis(redisUrl);
    const lease = await acquire({ ttlMs: 600, renewEveryMs: 100 }, client);
    client.disconnect(); // every command now fails at once

    await sleep(250);
    expect(lease.lost.aborted).toBe(false);
    await sleep(600);
    expect(lease.lost.aborted).toBe(true);
  });
});
