import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RedisRecords } from './redis-records';

const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;

describe(RedisRecords.name, () => {
  let redis: Redis;
  let records: RedisRecords;
  let prefix: string;

  beforeAll(() => {
    redis = new Redis(redisUrl);
  });
  beforeEach(() => {
    prefix = `test:records:${randomUUID()}:`;
    records = new RedisRecords(redis, { prefix, ttlSeconds: 60 });
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('keeps every field of concurrent updates (no read, merge and write back)', async () => {
    await records.create('job', { status: 'running', chunksDone: 0 });

    await Promise.all(Array.from({ length: 40 }, (_, index) => records.update('job', { [`field${index}`]: index })));

    const stored = await records.get('job');
    expect(Object.keys(stored ?? {})).toHaveLength(42);
    expect(stored).toMatchObject({ status: 'running', field0: '0', field39: '39' });
  });

  it('applies a change only from the statuses it names', async () => {
    await records.create('job', { status: 'running', chunksDone: 3 });

    expect(await records.update('job', { status: 'completed', chunksDone: 10 }, { onlyFrom: ['running'] })).toBe(true);
    // A heartbeat after completion must not put the job back to running.
    expect(await records.update('job', { status: 'running', chunksDone: 4 }, { onlyFrom: ['queued', 'running'] })).toBe(
      false,
    );

    expect(await records.get('job')).toEqual({ status: 'completed', chunksDone: '10' });
  });

  it('does not create a record by updating one that is not there', async () => {
    expect(await records.update('missing', { status: 'running' })).toBe(false);
    expect(await records.get('missing')).toBeUndefined();
  });

  it('renews the TTL on every change, including an empty one', async () => {
    await records.create('job', { status: 'queued' });
    await redis.expire(`${prefix}job`, 5);

    expect(await records.update('job', {}, { onlyFrom: ['queued'] })).toBe(true);

    expect(await redis.ttl(`${prefix}job`)).toBeGreaterThan(50);
  });

  it('keeps the TTL set at creation when told not to renew it', async () => {
    const fixed = new RedisRecords(redis, { prefix, ttlSeconds: 60, renewTtl: false });
    await fixed.create('document', { status: 'queued' });
    await redis.expire(`${prefix}document`, 5);

    expect(await fixed.update('document', { status: 'done' })).toBe(true);

    expect(await redis.ttl(`${prefix}document`)).toBeLessThanOrEqual(5);
    expect(await fixed.get('document')).toEqual({ status: 'done' });
  });
});
