import { Redis } from 'ioredis';
import { IngestJobs } from './ingest-jobs';

// Job records against a real Redis (database 14, shared with rag.failures: keys here are random ids).
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;

describe(IngestJobs.name, () => {
  let redis: Redis;
  let jobs: IngestJobs;

  beforeAll(() => {
    redis = new Redis(`${redisUrl}/14`);
    jobs = new IngestJobs(redis);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('keeps a completed job completed when a heartbeat that read it earlier lands after the end', async () => {
    const job = await jobs.create({ documentId: 'doc_1', title: 'A manual', chunksTotal: 10 });
    await jobs.update(job.id, { status: 'running', chunksDone: 5 });

    // Issued on one connection in this order, a read-merge-write heartbeat reads `running` before the end
    // is written, and writes it back after.
    await Promise.all([jobs.update(job.id, { status: 'completed', chunksDone: 10 }), jobs.touch(job.id)]);

    expect(await jobs.get(job.id)).toMatchObject({ status: 'completed', chunksDone: 10, chunksTotal: 10 });
  });

  it('keeps a failed job failed whatever progress arrives after it', async () => {
    const job = await jobs.create({ documentId: 'doc_2', title: 'A manual', chunksTotal: 10 });
    await jobs.update(job.id, { status: 'failed', error: 'the service stopped during this ingest' });

    await jobs.update(job.id, { chunksDone: 7 });
    await jobs.update(job.id, { status: 'completed' });

    expect(await jobs.get(job.id)).toMatchObject({ status: 'failed', chunksDone: 0, error: expect.any(String) });
  });
});
