import {
  ServiceInProcess,
  StartedServer,
  eventually,
  postJson,
  request,
  setFaults,
  startLocalLlm,
  startServiceInProcess,
} from '@rma/testing';
import { ApiKeyStore, configureService } from '@rma/service-core';
import type { ApiScope } from '@rma/service-core';
import { Redis } from 'ioredis';
import { ChromaClient } from 'chromadb';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../app.module';

// Real Redis, real Chroma and a real local-llm over HTTP (simulated engine, with injected delays).
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;
const chromaUrl = process.env['RMA_TEST_CHROMA_URL'] as string;

let llm: StartedServer;
let sut: ServiceInProcess;
const collection = `test-${randomUUID().slice(0, 8)}`;
const env = {
  REDIS_URL: `${redisUrl}/12`,
  CHROMA_URL: chromaUrl,
  CHROMA_COLLECTION: collection,
  VLLM_URL: '',
  OLLAMA_URL: '',
  LOG_LEVEL: 'error',
  GENERATION_CONCURRENCY: 'fixed:8',
  MANUALS_DIR: 'off',
  ASK_MAX_TOKENS: '16',
  ASK_BATCH_MAX_QUESTIONS: '6',
  ASK_BATCH_JOB_MIN_QUESTIONS: '3',
};
const start = () =>
  startServiceInProcess(
    AppModule.forRoot({ ...env, VLLM_URL: llm.url, OLLAMA_URL: llm.url }),
    env.REDIS_URL,
    configureService,
  );
const QUESTIONS = ['What is a DRO?', '', 'How long is a breathing space?', 'Is there a DRO fee?'];

beforeAll(async () => {
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--parallel', '16', '--admin']);
  sut = await start();
});
afterEach(async () => {
  await setFaults(llm.url, []);
});
afterAll(async () => {
  await sut?.close();
  await llm?.stop();
  const url = new URL(chromaUrl);
  await new ChromaClient({ host: url.hostname, port: Number(url.port) })
    .deleteCollection({ name: collection })
    .catch(() => undefined);
});

describe('POST /ask/batch as a background job', () => {
  it('answers 202 with a job id for a batch over ASK_BATCH_JOB_MIN_QUESTIONS; GET shows progress, then every answer in order', async () => {
    // One answer is held back 1.5 s, so the batch is seen running with the others done.
    await setFaults(llm.url, [{ kind: 'delay-first-token', delayMs: 1_500, count: 1 }]);

    const response = await fetch(`${sut.baseUrl}/ask/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ questions: QUESTIONS }),
    });
    const accepted = (await response.json()) as { jobId: string };

    expect(response.status).toBe(202);
    expect(accepted).toEqual({ jobId: expect.any(String), status: 'running', total: 4 });
    expect(response.headers.get('location')).toBe(`/ask/batch/${accepted.jobId}`);
    let seen: { status: number; body: any } = { status: 0, body: {} };
    await eventually(async () => {
      seen = await request('GET', `${sut.baseUrl}/ask/batch/${accepted.jobId}`);
      return seen.body.done === 3;
    });
    expect(seen.body).toMatchObject({ status: 'running', total: 4, done: 3, failed: 1 });
    await eventually(async () => {
      seen = await request('GET', `${sut.baseUrl}/ask/batch/${accepted.jobId}`);
      return seen.body.status !== 'running';
    });
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ status: 'completed', total: 4, done: 4, failed: 1 });
    expect(seen.body.results.map((item: { index: number; ok: boolean }) => [item.index, item.ok])).toEqual([
      [0, true],
      [1, false],
      [2, true],
      [3, true],
    ]);
    expect(seen.body.results[0]).toMatchObject({ answer: expect.any(String), backend: { kind: 'vllm' } });
    expect(seen.body.results[1].error).toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/^questions\.1/),
    });
    expect(Date.parse(seen.body.expiresAt) - Date.parse(seen.body.updatedAt)).toBe(86_400_000);
  });

  it('answers a small batch inline, unless the caller sends Prefer: respond-async', async () => {
    const inline = await postJson(`${sut.baseUrl}/ask/batch`, { questions: QUESTIONS.slice(0, 3) });
    const background = await postJson(
      `${sut.baseUrl}/ask/batch`,
      { questions: ['What is a DRO?'] },
      { prefer: 'respond-async, wait=5' },
    );

    expect(inline.status).toBe(200);
    expect(inline.body.results).toHaveLength(3);
    expect(background).toMatchObject({ status: 202, body: { status: 'running', total: 1 } });
    await eventually(
      async () =>
        (await request('GET', `${sut.baseUrl}/ask/batch/${background.body.jobId}`)).body.status === 'completed',
    );
  });

  it('refuses a batch that cannot run with a 400 before any job, and an unknown job with a 404', async () => {
    const tooLarge = await postJson(`${sut.baseUrl}/ask/batch`, { questions: Array(7).fill('What is a DRO?') });
    const badFilter = await postJson(`${sut.baseUrl}/ask/batch`, {
      questions: Array(4).fill('What is a DRO?'),
      filters: { nested: { no: 1 } },
    });
    const unknown = await request('GET', `${sut.baseUrl}/ask/batch/${randomUUID()}`);

    expect(tooLarge).toMatchObject({ status: 400, body: { code: 'batch_too_large' } });
    expect(badFilter.status).toBe(400);
    expect(unknown).toMatchObject({
      status: 404,
      body: { code: 'batch_not_found', message: expect.stringContaining('ASK_BATCH_RETENTION_SECONDS') },
    });
  });

  it('fails a batch visibly when its process stops mid-batch, keeping the answers it had; another replica reads it', async () => {
    const other = await start();
    let closed = false;
    try {
      // Every answer but the first waits 30 s: the batch is still running when its service stops.
      await setFaults(llm.url, [{ kind: 'delay-first-token', delayMs: 30_000 }]);
      const accepted = await postJson(`${other.baseUrl}/ask/batch`, {
        questions: ['', 'What is a DRO?', 'A fee?', 'B?'],
      });
      expect(accepted.status).toBe(202);
      await eventually(
        async () => (await request('GET', `${sut.baseUrl}/ask/batch/${accepted.body.jobId}`)).body.done === 1,
      );

      await other.close();
      closed = true;

      const read = await request('GET', `${sut.baseUrl}/ask/batch/${accepted.body.jobId}`);
      expect(read.body).toMatchObject({
        status: 'failed',
        error: expect.stringContaining('send the other items again'),
        done: 1,
        results: [{ index: 0, ok: false }],
      });
    } finally {
      if (!closed) await other.close();
    }
  });
});

describe('a background batch with API keys (AUTH_MODE=on)', () => {
  it("is read by the organisation that sent it, and is a 404 to any other's key", async () => {
    const redis = new Redis(env.REDIS_URL);
    const keyOf = async (organisation: string, scopes: ApiScope[]) =>
      (await new ApiKeyStore(redis).create({ organisation, scopes, label: 'batch test' })).key;
    const guarded = await startServiceInProcess(
      AppModule.forRoot({ ...env, VLLM_URL: llm.url, OLLAMA_URL: llm.url, AUTH_MODE: 'on' }),
      env.REDIS_URL,
      configureService,
    );
    // Keys after the start: starting a service in a test empties its Redis database.
    const keys = {
      a: await keyOf('org-a', ['ask']),
      b: await keyOf('org-b', ['ask']),
      adminB: await keyOf('org-b', ['admin', 'ask']),
    };
    try {
      const as = (key: string) => ({ authorization: `Bearer ${key}` });
      const accepted = await postJson(`${guarded.baseUrl}/ask/batch`, { questions: QUESTIONS }, as(keys.a));
      const read = (key: string) =>
        fetch(`${guarded.baseUrl}/ask/batch/${accepted.body.jobId}`, { headers: as(key) }).then(async (response) => ({
          status: response.status,
          body: (await response.json()) as { status?: string; code?: string },
        }));

      expect(accepted.status).toBe(202);
      expect(await read(keys.b)).toMatchObject({ status: 404, body: { code: 'batch_not_found' } });
      expect(await read(keys.adminB)).toMatchObject({ status: 404, body: { code: 'batch_not_found' } });
      await eventually(async () => (await read(keys.a)).body.status === 'completed');
      expect((await read(keys.a)).body).toMatchObject({ total: 4, done: 4 });
    } finally {
      await guarded.close();
      redis.disconnect();
    }
  });
});
