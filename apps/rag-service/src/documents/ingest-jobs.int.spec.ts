import { LOCAL_ORGANISATION } from '@rma/service-core';
import { Redis } from 'ioredis';
import { INGEST_JOB_KEY_PREFIX, IngestJobs } from './ingest-jobs';

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
    const job = await jobs.create({ documentId: 'doc_1', title: 'A manual', chunksTotal: 10, organisation: 'org-a' });
    await jobs.update(job.id, { status: 'running', chunksDone: 5 });

    // Issued on one connection in this order, a read-merge-write heartbeat reads `running` before the end
    // is written, and writes it back after.
    await Promise.all([jobs.update(job.id, { status: 'completed', chunksDone: 10 }), jobs.touch(job.id)]);

    expect(await jobs.get(job.id, 'org-a')).toMatchObject({ status: 'completed', chunksDone: 10, chunksTotal: 10, organisation: 'org-a' });
  });

  it('keeps a failed job failed whatever progress arrives after it', async () => {
    const job = await jobs.create({ documentId: 'doc_2', title: 'A manual', chunksTotal: 10, organisation: 'org-a' });
    await jobs.update(job.id, { status: 'failed', error: 'the service stopped during this ingest' });

    await jobs.update(job.id, { chunksDone: 7 });
    await jobs.update(job.id, { status: 'completed' });

    expect(await jobs.get(job.id, 'org-a')).toMatchObject({ status: 'failed', chunksDone: 0, error: expect.any(String) });
  });

  it("reads a job only for the organisation that started it: another's is absent, like an unknown id", async () => {
    const job = await jobs.create({ documentId: 'doc_3', title: 'A manual', chunksTotal: 4, organisation: 'org-a' });

    expect(await jobs.get(job.id, 'org-a')).toMatchObject({ id: job.id, organisation: 'org-a' });
    expect(await jobs.get(job.id, 'org-b')).toBeUndefined();
    expect(await jobs.get(job.id, LOCAL_ORGANISATION)).toBeUndefined();
  });

  it('reads a job stored before tenancy (no organisation) as the local organisation\'s alone', async () => {
    const job = await jobs.create({ documentId: 'doc_4', title: 'A manual', chunksTotal: 4, organisation: 'org-a' });
    await redis.hdel(INGEST_JOB_KEY_PREFIX + job.id, 'organisation');

    expect(await jobs.get(job.id, LOCAL_ORGANISATION)).toMatchObject({ id: job.id, status: 'queued' });
    expect(await jobs.get(job.id, 'org-a')).toBeUndefined();
  });
});
