import {
  ServiceInProcess,
  StartedServer,
  eventually,
  freePort,
  postJson,
  request,
  setFaults,
  startLocalLlm,
  startServiceInProcess,
} from '@rma/testing';
import { configureService } from '@rma/service-core';
import { Test } from '@nestjs/testing';
import { ChromaClient } from 'chromadb';
import { Redis } from 'ioredis';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from '../app.module';
import { INGEST_LOCK_KEY_PREFIX } from './document-locks';
import { INGEST_JOB_KEY_PREFIX } from './ingest-jobs';
import { MANUALS_STATE_KEY_PREFIX, ManualsLoader } from './manuals.loader';

// Recovery after a service stops mid-work, against real Redis, real Chroma and a real local-llm whose
// embeddings are slowed by an injected delay, so that the work is still under way when the service stops.
// Redis databases 12 and 13 are this file's (the project's spec files share out its Redis databases).
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;
const chromaUrl = process.env['RMA_TEST_CHROMA_URL'] as string;
const workspaceRoot = join(__dirname, '..', '..', '..', '..');
const MANUALS = join(__dirname, '..', 'assets', 'manuals');
const EMBEDDING_DELAY = { kind: 'delay-first-token', target: 'embeddings', delayMs: 1_500 };

let llm: StartedServer;
const collections: string[] = [];
const apps: ServiceInProcess[] = [];
const children: ChildProcess[] = [];
const redis: Redis[] = [];

const env = (database: number, collection: string, overrides: Record<string, string> = {}) => ({
  REDIS_URL: `${redisUrl}/${database}`,
  CHROMA_URL: chromaUrl,
  CHROMA_COLLECTION: collection,
  VLLM_URL: llm.url,
  OLLAMA_URL: llm.url,
  LOG_LEVEL: 'error',
  GENERATION_CONCURRENCY: 'fixed:8',
  MANUALS_DIR: 'off',
  CHUNK_SIZE: '300',
  CHUNK_OVERLAP: '50',
  INGEST_JOB_MIN_CHUNKS: '5',
  ...overrides,
});
const newCollection = () => {
  collections.push(`test-${randomUUID()}`);
  return collections[collections.length - 1];
};

/** The first instance on a database: Redis emptied first. */
async function start(environment: Record<string, string>): Promise<ServiceInProcess> {
  const app = await startServiceInProcess(AppModule.forRoot(environment), environment['REDIS_URL'], configureService);
  apps.push(app);
  return app;
}

/** Another instance on the same database and collection, which must find what the first one left there. */
async function restart(environment: Record<string, string>): Promise<ServiceInProcess> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(environment)] }).compile();
  const app = moduleRef.createNestApplication({ logger: false, bodyParser: false });
  await configureService(app);
  await app.listen(0, '127.0.0.1');
  const started = { app, baseUrl: (await app.getUrl()).replace('[::1]', '127.0.0.1'), close: () => app.close() };
  apps.push(started);
  return started;
}

/** The service as its own process (main.ts, as deployed), so that SIGKILL ends it with no shutdown hook run. */
async function startProcess(environment: Record<string, string>): Promise<{ child: ChildProcess; baseUrl: string }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(workspaceRoot, 'tools/scripts/ts-run.cjs'), join(__dirname, '..', 'main.ts')],
    {
      env: { ...process.env, ...environment, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  children.push(child);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const baseUrl = `http://127.0.0.1:${port}`;
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`the service process exited:\n${output}`);
    return (await fetch(`${baseUrl}/documents`).catch(() => undefined))?.status === 200;
  }, 60_000);
  return { child, baseUrl };
}

/** Ends the process with no shutdown hook run; one already ended (a killed one has a signalCode, no exitCode) is left. */
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const redisOf = (database: number) => {
  redis.push(new Redis(`${redisUrl}/${database}`));
  return redis[redis.length - 1];
};

/** A document of about 150 chunks at CHUNK_SIZE 300: three embedding batches, a background job. */
const LARGE = {
  title: 'Income and expenditure',
  source: 'test/income-and-expenditure.md',
  format: 'markdown',
  text:
    '# Income and expenditure\n\n' +
    Array.from(
      { length: 150 },
      (_, index) =>
        `Paragraph ${index}: list every regular payment, how often it is made and who it is paid to, so ` +
        `that the adviser can check the budget against the standard financial statement for case ${index}.`,
    ).join('\n\n'),
  metadata: {},
};

beforeAll(async () => {
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--admin']);
}, 60_000);
afterEach(async () => {
  await setFaults(llm.url, []);
  await Promise.all(children.splice(0).map(kill));
  await Promise.all(apps.splice(0).map((app) => app.close().catch(() => undefined)));
});
afterAll(async () => {
  redis.forEach((client) => client.disconnect());
  await llm?.stop();
  const url = new URL(chromaUrl);
  const chroma = new ChromaClient({ host: url.hostname, port: Number(url.port) });
  await Promise.all(collections.map((name) => chroma.deleteCollection({ name }).catch(() => undefined)));
});

describe('background ingest job recovery', () => {
  it('reads a job as failed, with what to do, once the service running it shut down cleanly mid-job', async () => {
    const environment = env(12, newCollection());
    const first = await start(environment);
    await setFaults(llm.url, [EMBEDDING_DELAY]);
    const queued = await postJson(`${first.baseUrl}/documents`, LARGE);
    expect(queued).toMatchObject({ status: 202, body: { status: 'queued', jobId: expect.any(String) } });
    const jobUrl = (app: ServiceInProcess) => `${app.baseUrl}/documents/jobs/${queued.body.jobId}`;
    // Mid-job: the first batch stored, the rest not.
    await eventually(async () => (await request('GET', jobUrl(first))).body.chunksDone > 0, 20_000);

    await first.close();
    const second = await restart(environment);
    const job = await request('GET', jobUrl(second));

    expect(job).toMatchObject({
      status: 200,
      body: { status: 'failed', error: expect.stringMatching(/stopped during this ingest; send the document again/) },
    });
    expect(job.body.chunksDone).toBeLessThan(job.body.chunksTotal);
  }, 60_000);

  it('reads a job as failed, with what to do, once the process running it was killed and its heartbeat went stale', async () => {
    const environment = env(13, newCollection());
    await setFaults(llm.url, [EMBEDDING_DELAY]);
    const observer = await start(environment);
    const worker = await startProcess(environment);
    const queued = await postJson(`${worker.baseUrl}/documents`, LARGE);
    expect(queued).toMatchObject({ status: 202, body: { status: 'queued', jobId: expect.any(String) } });
    const jobUrl = `${observer.baseUrl}/documents/jobs/${queued.body.jobId}`;
    await eventually(async () => (await request('GET', jobUrl)).body.status === 'running', 20_000);

    await kill(worker.child);
    // SIGKILL runs no shutdown hook: the record still says running, with a fresh heartbeat.
    const justKilled = await request('GET', jobUrl);
    // Moving the record's last heartbeat 121 s back stands in for 120 s passing with no process to renew it
    // (the 120 s is a constant, STALE_AFTER_MS, not configurable).
    const store = redisOf(13);
    const key = `${INGEST_JOB_KEY_PREFIX}${queued.body.jobId}`;
    await store.hset(key, 'updatedAt', new Date(Date.now() - 121_000).toISOString());
    const stale = await request('GET', jobUrl);

    expect(justKilled.body.status).toBe('running');
    expect(stale).toMatchObject({
      status: 200,
      body: {
        status: 'failed',
        error: expect.stringMatching(/process running this ingest stopped; send the document again/),
      },
    });
  }, 90_000);
});

describe(ManualsLoader.name, () => {
  it('finishes on the next start a load that a killed process left half done, with nothing duplicated', async () => {
    const files = readdirSync(MANUALS).filter((file) => file.endsWith('.md'));
    const environment = env(12, newCollection(), { MANUALS_DIR: MANUALS });
    // An empty database for both processes (and nothing left from the test before).
    await redisOf(12).flushdb();
    await setFaults(llm.url, [EMBEDDING_DELAY]);
    const crashed = await startProcess(environment);
    let loadedBeforeKill = 0;
    await eventually(async () => {
      loadedBeforeKill = (await request('GET', `${crashed.baseUrl}/documents`)).body.total;
      return loadedBeforeKill > 0;
    }, 30_000);
    await kill(crashed.child);
    const state = await redisOf(12).get(`${MANUALS_STATE_KEY_PREFIX}${environment.CHROMA_COLLECTION}`);
    await setFaults(llm.url, []);

    const sut = await restart(environment);
    await sut.app.get(ManualsLoader).done;
    const list = await request('GET', `${sut.baseUrl}/documents?limit=50`);
    const url = new URL(chromaUrl);
    const chroma = new ChromaClient({ host: url.hostname, port: Number(url.port) });
    const stored = await (await chroma.getCollection({ name: environment.CHROMA_COLLECTION })).count();

    expect(loadedBeforeKill).toBeLessThan(files.length);
    expect(state).toBe('loading');
    expect(list.body.total).toBe(files.length);
    expect(list.body.items.map((item: { source: string }) => item.source).sort()).toEqual(
      files.map((file) => `manuals/${file}`).sort(),
    );
    // Every chunk stored belongs to exactly one complete document version: no copies, no leftovers.
    expect(stored).toBe(list.body.items.reduce((sum: number, item: { chunks: number }) => sum + item.chunks, 0));
    expect(await redisOf(12).get(`${MANUALS_STATE_KEY_PREFIX}${environment.CHROMA_COLLECTION}`)).toBe('done');
  }, 120_000);

  it('stops an ingest that lost its document lock, and leaves the version a newer ingest wrote whole', async () => {
    const environment = env(12, newCollection());
    const app = await start(environment);
    await setFaults(llm.url, [EMBEDDING_DELAY]);
    const stale = await postJson(`${app.baseUrl}/documents`, LARGE);
    expect(stale).toMatchObject({ status: 202, body: { status: 'queued', jobId: expect.any(String) } });
    const jobUrl = `${app.baseUrl}/documents/jobs/${stale.body.jobId}`;
    await eventually(async () => (await request('GET', jobUrl)).body.chunksDone > 0, 20_000);

    // Deleting the lock stands in for it lapsing while its holder was paused (its 60 s TTL is a constant).
    await redisOf(12).del(`${INGEST_LOCK_KEY_PREFIX}${stale.body.documentId}`);
    await setFaults(llm.url, []);
    const newerText = '# Income and expenditure\n\nThe newer version: one short paragraph.';
    const newer = await postJson(`${app.baseUrl}/documents`, { ...LARGE, text: newerText });
    expect(newer).toMatchObject({ status: 201, body: { documentId: stale.body.documentId, chunks: 1 } });
    await eventually(async () => ['failed', 'completed'].includes((await request('GET', jobUrl)).body.status), 30_000);

    expect((await request('GET', jobUrl)).body).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/lost its lock on the document/),
    });
    const document = await request('GET', `${app.baseUrl}/documents/${stale.body.documentId}`);
    expect(document.body).toMatchObject({
      chunks: 1,
      chunkTexts: [{ text: expect.stringContaining('newer version') }],
    });
    const url = new URL(chromaUrl);
    const chroma = new ChromaClient({ host: url.hostname, port: Number(url.port) });
    const collection = await chroma.getCollection({ name: environment.CHROMA_COLLECTION });
    const left = await collection.get({ where: { documentId: stale.body.documentId } });
    expect(left.ids).toHaveLength(1);
  }, 60_000);

  it('runs INGEST_JOBS_CONCURRENCY background ingests at once, queues INGEST_JOBS_MAX_WAITING, and refuses more with 503', async () => {
    const environment = env(12, newCollection(), { INGEST_JOBS_CONCURRENCY: '1', INGEST_JOBS_MAX_WAITING: '1' });
    const app = await start(environment);
    await setFaults(llm.url, [EMBEDDING_DELAY]);
    const send = (name: string) => postJson(`${app.baseUrl}/documents`, { ...LARGE, source: `test/${name}.md` });

    const first = await send('first');
    const second = await send('second');
    const third = await fetch(`${app.baseUrl}/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...LARGE, source: 'test/third.md' }),
    });

    expect([first.status, second.status]).toEqual([202, 202]);
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('2');
    expect(await third.json()).toMatchObject({ code: 'ingest_busy', retryable: true });
    const job = (response: typeof first) => `${app.baseUrl}/documents/jobs/${response.body.jobId}`;
    await eventually(async () => (await request('GET', job(first))).body.status === 'running', 20_000);
    expect((await request('GET', job(second))).body.status).toBe('queued');
    await setFaults(llm.url, []);
    await eventually(async () => (await request('GET', job(second))).body.status === 'completed', 30_000);
    expect((await request('GET', job(first))).body.status).toBe('completed');
  }, 60_000);
});
