import { configureService } from '@rma/service-core';
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
import { ChromaClient } from 'chromadb';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../app.module';

// Real Redis (database 4 is this file's), real Chroma and a real local-llm whose embeddings an injected
// delay makes slow, so that the process's embedding slots fill: one question at a time, and two waiting;
// one bulk request (an ingest's chunks) at a time.
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;
const chromaUrl = process.env['RMA_TEST_CHROMA_URL'] as string;
const collection = `test-${randomUUID().slice(0, 8)}`;

let llm: StartedServer;
let sut: ServiceInProcess;

const MANUAL = {
  title: 'Debt Relief Orders',
  source: 'test/dro-admission.md',
  text: '# Debt Relief Orders\n\nQualifying debts must be £50,000 or less. Spare income must be £75 a month or less.',
};
/** A manual of about 12 chunks (CHUNK_SIZE 300): a background ingest of 6 embedding requests of 2 texts. */
const large = (name: string) => ({
  title: `Large manual ${name}`,
  source: `test/large-${name}.md`,
  text: Array.from(
    { length: 12 },
    (_, section) =>
      `## Section ${section} of ${name}\n\n` +
      'A creditor must stop collection while a breathing space lasts, and interest and charges are frozen. '.repeat(2),
  ).join('\n\n'),
});
const ask = (question: string) =>
  fetch(`${sut.baseUrl}/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question }),
  });
const embeddingDelay = (delayMs: number) => [{ kind: 'delay-first-token', target: 'embeddings', delayMs }];

beforeAll(async () => {
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--parallel', '16', '--admin']);
  const environment = {
    REDIS_URL: `${redisUrl}/4`,
    CHROMA_URL: chromaUrl,
    CHROMA_COLLECTION: collection,
    VLLM_URL: llm.url,
    OLLAMA_URL: llm.url,
    LOG_LEVEL: 'error',
    GENERATION_CONCURRENCY: 'fixed:8',
    LLM_RETRY_MAX_ATTEMPTS: '1',
    MANUALS_DIR: 'off',
    CHUNK_SIZE: '300',
    CHUNK_OVERLAP: '50',
    ASK_MAX_TOKENS: '16',
    INGEST_JOB_MIN_CHUNKS: '5',
    INGEST_JOBS_CONCURRENCY: '4',
    LLM_EMBEDDING_BATCH_SIZE: '2',
    LLM_EMBEDDING_CONCURRENCY: '1',
    LLM_EMBEDDING_MAX_WAITING: '2',
    LLM_EMBEDDING_BULK_CONCURRENCY: '1',
    LLM_EMBEDDING_BULK_MAX_WAITING: '10',
  };
  sut = await startServiceInProcess(AppModule.forRoot(environment), environment.REDIS_URL, configureService);
  expect((await postJson(`${sut.baseUrl}/documents`, MANUAL)).status).toBe(201);
  // The first question compiles what the rest reuse: not the figures' time.
  expect((await ask('What is a DRO?')).status).toBe(200);
}, 60_000);
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

describe("rag-service's embedding slots", () => {
  it('answers a burst past LLM_EMBEDDING_MAX_WAITING with 503 Overloaded and Retry-After at once, and the rest', async () => {
    await setFaults(llm.url, embeddingDelay(1_000));
    const started = performance.now();

    const answers = await Promise.all(
      Array.from({ length: 8 }, async (_, index) => {
        const response = await ask(`Can I get a DRO? (${index})`);
        return { response, body: (await response.json()) as { message: string }, ms: performance.now() - started };
      }),
    );

    const refused = answers.filter((answer) => answer.response.status === 503);
    // One embeds, two wait for its slot: five refused.
    expect(answers.filter((answer) => answer.response.status === 200)).toHaveLength(3);
    expect(refused).toHaveLength(5);
    for (const answer of refused) {
      expect(answer.response.headers.get('retry-after')).toBe('2');
      expect(answer.body).toMatchObject({ statusCode: 503, error: 'Overloaded', retryable: true });
      expect(answer.body.message).toContain('embedding');
      // At once: before the first embedding (1 s late) came back.
      expect(answer.ms).toBeLessThan(700);
    }
    const metrics = await (await fetch(`${sut.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/llm_embedding_refused_total\{use="interactive",reason="full"[^}]*\} 5/);
  }, 30_000);

  it('answers a question while background ingests embed their chunks, without waiting behind them', async () => {
    await setFaults(llm.url, embeddingDelay(500));
    const jobs = await Promise.all(
      ['a', 'b', 'c', 'd'].map((name) => postJson(`${sut.baseUrl}/documents`, large(name))),
    );
    expect(jobs.map((job) => job.status)).toEqual([202, 202, 202, 202]);
    const job = (index: number) => request('GET', `${sut.baseUrl}/documents/jobs/${jobs[index].body.jobId}`);
    await eventually(async () => (await job(3)).body.status === 'running', 10_000);

    const started = performance.now();
    const answer = await ask('How long does a breathing space last?');
    const elapsed = performance.now() - started;

    expect(answer.status).toBe(200);
    // Its own embedding (500 ms) and a short answer; behind the ingests' requests (one running, three
    // waiting, 500 ms each) it would take 2 s and more.
    expect(elapsed).toBeLessThan(1_300);
    const states = await Promise.all([0, 1, 2, 3].map(async (index) => (await job(index)).body.status));
    expect(states).not.toEqual(['completed', 'completed', 'completed', 'completed']);
    await setFaults(llm.url, []);
    await eventually(
      async () =>
        (await Promise.all([0, 1, 2, 3].map(async (index) => (await job(index)).body.status))).every(
          (state) => state === 'completed',
        ),
      30_000,
    );
  }, 60_000);
});
