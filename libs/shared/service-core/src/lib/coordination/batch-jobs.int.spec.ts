import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { BatchJobs, type BatchProgress, type BatchResult } from './batch-jobs';

const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;

type Answer = BatchResult & { text?: string };

/** Resolves once `check` holds (polling), or fails after `ms`. */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, ms = 5_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() - started > ms) throw new Error(`condition not met in ${ms} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe(BatchJobs.name, () => {
  let redis: Redis;
  let prefix: string;
  let jobs: BatchJobs<Answer>;

  beforeAll(() => {
    redis = new Redis(redisUrl);
  });
  beforeEach(() => {
    prefix = `test:batch:${randomUUID()}:`;
    jobs = new BatchJobs<Answer>(redis, { prefix, retentionSeconds: 60, heartbeatMs: 50, staleAfterMs: 300 });
  });
  afterEach(async () => {
    await jobs.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('shows results as they come, in order, then the batch completed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { id } = await jobs.start({ organisation: 'org-a', total: 3 }, async (progress) => {
      await progress.result({ index: 2, ok: true, text: 'two' });
      await progress.result({ index: 0, ok: false });
      await gate;
      await progress.result({ index: 1, ok: true, text: 'one' });
    });

    const partial = await until(
      () => jobs.get(id, 'org-a'),
      (job) => job?.done === 2,
    );
    expect(partial).toMatchObject({ status: 'running', total: 3, done: 2, failed: 1 });
    expect(partial?.results.map((result) => result.index)).toEqual([0, 2]);
    release();
    const done = await until(
      () => jobs.get(id, 'org-a'),
      (job) => job?.status === 'completed',
    );
    expect(done).toMatchObject({ total: 3, done: 3, failed: 1 });
    expect(done?.results.map((result) => result.text ?? null)).toEqual([null, 'one', 'two']);
    expect(Date.parse(done?.expiresAt ?? '') - Date.parse(done?.updatedAt ?? '')).toBe(60_000);
    expect(await redis.ttl(`${prefix}${id}`)).toBeGreaterThan(55);
  });

  it('reads as absent to another organisation, and to anyone once it expired', async () => {
    const { id } = await jobs.start({ organisation: 'org-a', total: 1 }, async () => undefined);

    expect(await jobs.get(id, 'org-b')).toBeUndefined();
    expect(await jobs.get(id, 'org-a')).toBeDefined();
    await redis.del(`${prefix}${id}`);
    expect(await jobs.get(id, 'org-a')).toBeUndefined();
  });

  it('fails a batch whose work throws, keeping the results it had, with a domain error its code and message', async () => {
    class QueueError extends Error {
      constructor(
        readonly code: string,
        message: string,
      ) {
        super(message);
      }
    }
    const { id } = await jobs.start({ organisation: 'org-a', total: 2 }, async (progress) => {
      await progress.result({ index: 0, ok: true });
      throw new QueueError('overloaded', 'the queue refused the rest');
    });

    const job = await until(
      () => jobs.get(id, 'org-a'),
      (value) => value?.status !== 'running',
    );
    expect(job).toMatchObject({
      status: 'failed',
      errorCode: 'overloaded',
      error: 'the queue refused the rest',
      done: 1,
    });
  });

  it.each([
    ['a plain error', Object.assign(new Error('ERR Redis at 10.0.0.3:6379 said no'))],
    ['a system error', Object.assign(new Error('connect ECONNREFUSED 10.0.0.3:6379'), { code: 'ECONNREFUSED' })],
  ])('fails a batch whose work throws %s with a generic message, never its text', async (_kind, thrown) => {
    const { id } = await jobs.start({ organisation: 'org-a', total: 1 }, async () => {
      throw thrown;
    });

    const job = await until(
      () => jobs.get(id, 'org-a'),
      (value) => value?.status !== 'running',
    );
    expect(job).toMatchObject({
      status: 'failed',
      errorCode: 'internal',
      error: expect.stringContaining('internal error'),
    });
    expect(JSON.stringify(job)).not.toContain('10.0.0.3');
  });

  it('on shutdown stops the work and fails its batches visibly; a later result cannot change that', async () => {
    let progress!: BatchProgress<Answer>;
    const { id } = await jobs.start({ organisation: 'org-a', total: 2 }, async (given) => {
      progress = given;
      await given.result({ index: 0, ok: true });
      await new Promise((resolve) => given.signal.addEventListener('abort', resolve));
    });
    await until(
      () => jobs.get(id, 'org-a'),
      (job) => job?.done === 1,
    );

    await jobs.close();

    expect(progress.signal.aborted).toBe(true);
    await progress.result({ index: 1, ok: true });
    expect(await jobs.get(id, 'org-a')).toMatchObject({
      status: 'failed',
      errorCode: 'service_stopped',
      error: expect.stringContaining('the service stopped'),
      done: 1,
    });
  });

  it('on shutdown records the results whose write had failed', async () => {
    // Its own connection, cut for a moment (real Redis, unreachable): no offline queue, so a write fails.
    const own = new Redis(redisUrl, { enableOfflineQueue: false, lazyConnect: true });
    await own.connect();
    const stopping = new BatchJobs<Answer>(own, { prefix, retentionSeconds: 60, heartbeatMs: 50, staleAfterMs: 300 });
    let progress!: BatchProgress<Answer>;
    const { id } = await stopping.start({ organisation: 'org-a', total: 2 }, async (given) => {
      progress = given;
      await given.result({ index: 0, ok: true });
      await new Promise((resolve) => given.signal.addEventListener('abort', resolve));
    });
    await until(
      () => jobs.get(id, 'org-a'),
      (job) => job?.done === 1,
    );
    try {
      const ended = new Promise((resolve) => own.once('end', resolve));
      own.disconnect();
      await ended;
      await progress.result({ index: 1, ok: true, text: 'one' });
      expect((await jobs.get(id, 'org-a'))?.done).toBe(1); // that write failed
      await own.connect();

      await stopping.close();

      const job = await jobs.get(id, 'org-a');
      expect(job).toMatchObject({ status: 'failed', errorCode: 'service_stopped', done: 2 });
      expect(job?.results[1]).toEqual({ index: 1, ok: true, text: 'one' });
    } finally {
      await stopping.close();
      own.disconnect();
    }
  });

  it('reads as failed once a running batch stops beating (its process died), results kept', async () => {
    // A process killed mid-batch leaves its record running with no heartbeat; written here as it would
    // leave it, since a test cannot SIGKILL its own process.
    const old = new Date(Date.now() - 1_000).toISOString();
    await redis.hset(`${prefix}dead`, {
      id: 'dead',
      organisation: 'org-a',
      status: 'running',
      total: 2,
      createdAt: old,
      updatedAt: old,
      'result:0': JSON.stringify({ index: 0, ok: true }),
    });

    expect(await jobs.get('dead', 'org-a')).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('send the other items again'),
      done: 1,
    });
  });

  it('keeps a running batch alive with its heartbeat however long its work takes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { id } = await jobs.start({ organisation: 'org-a', total: 1 }, () => gate);

    await new Promise((resolve) => setTimeout(resolve, 700)); // over twice staleAfterMs

    expect(await jobs.get(id, 'org-a')).toMatchObject({ status: 'running' });
    release();
  });
});
