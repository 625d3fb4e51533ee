import {
  ServiceInProcess,
  StartedServer,
  eventually,
  metricValue,
  postEvents,
  postJson,
  request,
  setFaults,
  startLocalLlm,
  startServiceInProcess,
} from '@rma/testing';
import { configureService } from '@rma/service-core';
import { ChromaClient } from 'chromadb';
import { Redis } from 'ioredis';
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { ManualsLoader } from './documents/manuals.loader';

// Real Redis, real Chroma and a real local-llm over HTTP on its simulated engine, whose embeddings are
// a hashed bag of words: a question that repeats a chunk's text finds that chunk first (cosine 1).
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;
const chromaUrl = process.env['RMA_TEST_CHROMA_URL'] as string;
const MANUALS = join(__dirname, 'assets', 'manuals');

let llm: StartedServer;
let sut: ServiceInProcess;
const collections: string[] = [];
/** A collection of its own per app (tests never see each other's chunks), deleted after the run. */
const newCollection = () => {
  collections.push(`test-${randomUUID().slice(0, 8)}`);
  return collections[collections.length - 1];
};
const env = (database: number, overrides: Record<string, string> = {}) => ({
  REDIS_URL: `${redisUrl}/${database}`,
  CHROMA_URL: chromaUrl,
  CHROMA_COLLECTION: newCollection(),
  VLLM_URL: llm.url,
  OLLAMA_URL: llm.url,
  LOG_LEVEL: 'error',
  GENERATION_CONCURRENCY: 'fixed:8',
  MANUALS_DIR: 'off',
  CHUNK_SIZE: '300',
  CHUNK_OVERLAP: '50',
  ASK_MAX_TOKENS: '32',
  INGEST_JOB_MIN_CHUNKS: '20',
  QUESTION_MAX_CHARS: '500',
  ASK_BATCH_MAX_QUESTIONS: '4',
  UPLOAD_MAX_BYTES: '4096',
  HTTP_BODY_LIMIT_BYTES: '65536',
  ...overrides,
});
const start = (environment: Record<string, string>) =>
  startServiceInProcess(AppModule.forRoot(environment), environment['REDIS_URL'], configureService);

const DRO = {
  title: 'Debt Relief Orders',
  source: 'test/dro.md',
  text:
    '# Debt Relief Orders\n\n## Who can get one\n\nQualifying debts must be £50,000 or less. Spare income must be ' +
    '£75 a month or less.\n\n## Fees\n\nThere has been no application fee since 6 April 2024.',
  metadata: { jurisdiction: 'england-wales' },
};
const BREATHING = {
  title: 'Breathing Space',
  source: 'test/breathing.md',
  text: '# Breathing Space\n\nA standard breathing space lasts 60 days and freezes interest and charges.',
  metadata: { jurisdiction: 'england-wales' },
};

async function upload(name: string, content: Buffer | string, fields: Record<string, string> = {}) {
  const form = new FormData();
  form.append('file', new Blob([content]), name);
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  const response = await fetch(`${sut.baseUrl}/documents`, { method: 'POST', body: form });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--parallel', '16', '--admin']);
  sut = await start(env(8));
});
afterAll(async () => {
  await sut?.close();
  await llm?.stop();
  const url = new URL(chromaUrl);
  const chroma = new ChromaClient({ host: url.hostname, port: Number(url.port) });
  await Promise.all(collections.map((name) => chroma.deleteCollection({ name }).catch(() => undefined)));
});

describe('documents', () => {
  it('ingests a document, and a question that repeats a chunk finds that chunk first', async () => {
    const created = await postJson(`${sut.baseUrl}/documents`, DRO);
    await postJson(`${sut.baseUrl}/documents`, BREATHING);

    const answer = await postJson(`${sut.baseUrl}/ask`, {
      question: 'Debt Relief Orders > Fees\nThere has been no application fee since 6 April 2024.',
    });

    expect(created).toMatchObject({
      status: 201,
      body: { status: 'created', documentId: expect.any(String), chunks: 2 },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.answer).toEqual(expect.any(String));
    expect(answer.body.sources[0]).toMatchObject({
      documentId: created.body.documentId,
      title: 'Debt Relief Orders',
      chunk: 'Debt Relief Orders > Fees\nThere has been no application fee since 6 April 2024.',
    });
    expect(answer.body.sources[0].score).toBeCloseTo(1, 3);
    expect(answer.body.sources[1].score).toBeLessThan(answer.body.sources[0].score);
    expect(answer.body.backend).toMatchObject({ kind: 'vllm' });
  });

  it('adds nothing when the same document comes again, and reports a duplicate under another name', async () => {
    const before = await request('GET', `${sut.baseUrl}/documents`);

    const again = await postJson(`${sut.baseUrl}/documents`, DRO);
    const renamed = await postJson(`${sut.baseUrl}/documents`, { ...DRO, source: 'test/dro-copy.md' });

    expect(again).toMatchObject({ status: 200, body: { status: 'unchanged', chunks: 2 } });
    expect(renamed).toMatchObject({ status: 200, body: { status: 'duplicate', documentId: again.body.documentId } });
    expect(await request('GET', `${sut.baseUrl}/documents`)).toEqual(before);
  });

  it('replaces the chunks of a changed document, and lists documents with chunk counts', async () => {
    const changed = await postJson(`${sut.baseUrl}/documents`, {
      ...BREATHING,
      text: '# Breathing Space\n\nA mental health crisis breathing space lasts for the treatment and 30 days more.',
    });

    const document = await request('GET', `${sut.baseUrl}/documents/${changed.body.documentId}`);
    const list = await request('GET', `${sut.baseUrl}/documents?limit=10`);

    expect(changed).toMatchObject({ status: 201, body: { status: 'replaced', chunks: 1 } });
    expect(document.body.chunkTexts).toEqual([
      expect.objectContaining({ text: expect.stringContaining('mental health crisis') }),
    ]);
    expect(JSON.stringify(document.body)).not.toContain('60 days');
    expect(list.body).toMatchObject({ total: 2, limit: 10, offset: 0 });
    expect(list.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ title: 'Breathing Space', chunks: 1, metadata: { jurisdiction: 'england-wales' } }),
        expect.objectContaining({ title: 'Debt Relief Orders', chunks: 2 }),
      ]),
    );
  });

  it('deletes a document and all its chunks: answers no longer cite it', async () => {
    const created = await postJson(`${sut.baseUrl}/documents`, {
      title: 'Temporary',
      source: 'test/temporary.md',
      text: 'Zebra crossings are not a debt topic at all.',
    });

    const deleted = await request('DELETE', `${sut.baseUrl}/documents/${created.body.documentId}`);
    const answer = await postJson(`${sut.baseUrl}/ask`, { question: 'Zebra crossings are not a debt topic at all.' });

    expect(deleted.status).toBe(204);
    expect((await request('GET', `${sut.baseUrl}/documents/${created.body.documentId}`)).status).toBe(404);
    expect(answer.body.sources.map((source: { documentId: string }) => source.documentId)).not.toContain(
      created.body.documentId,
    );
  });

  it('refuses a second ingest of a document while one is running, across replicas (409)', async () => {
    const source = 'test/locked.md';
    const documentId = `doc_${createHash('sha256').update(source).digest('hex').slice(0, 20)}`;
    const redis = new Redis(`${redisUrl}/8`);
    // Another replica's ingest holds the lock.
    await redis.set(`rag:ingest-lock:${documentId}`, 'another-replica', 'PX', 10_000);

    const refused = await postJson(`${sut.baseUrl}/documents`, { title: 'Locked', source, text: 'Some text.' });
    await redis.del(`rag:ingest-lock:${documentId}`);
    const accepted = await postJson(`${sut.baseUrl}/documents`, { title: 'Locked', source, text: 'Some text.' });
    redis.disconnect();

    expect(refused).toMatchObject({ status: 409, body: { code: 'ingest_in_progress' } });
    expect(accepted).toMatchObject({ status: 201, body: { status: 'created', documentId } });
  });

  it('completes a version that a crash left half-written when it is sent again', async () => {
    const document = {
      title: 'Half',
      source: 'test/half.md',
      text: '# Half\n\nFirst part.\n\n## More\n\nSecond part.',
    };
    const created = await postJson(`${sut.baseUrl}/documents`, document);
    // A crash before the last write: chunk 0, which marks a version complete, is missing.
    const url = new URL(chromaUrl);
    const chroma = new ChromaClient({ host: url.hostname, port: Number(url.port) });
    const collection = await chroma.getCollection({ name: collections[0], embeddingFunction: null } as never);
    await collection.delete({ where: { $and: [{ documentId: created.body.documentId }, { chunkIndex: 0 }] } });
    const hidden = await request('GET', `${sut.baseUrl}/documents/${created.body.documentId}`);

    const again = await postJson(`${sut.baseUrl}/documents`, document);

    expect(hidden.status).toBe(404);
    expect(again).toMatchObject({ status: 201, body: { status: 'created', chunks: 2 } });
    const whole = await request('GET', `${sut.baseUrl}/documents/${created.body.documentId}`);
    expect(whole.body.chunkTexts.map((chunk: { index: number }) => chunk.index)).toEqual([0, 1]);
  });

  it('ingests a large document as a background job with progress', async () => {
    const text = Array.from({ length: 60 }, (_, i) => `## Part ${i}\n\nRule ${i} says to pay £${i + 1}0 a week.`).join(
      '\n\n',
    );

    const queued = await postJson(`${sut.baseUrl}/documents`, { title: 'Long manual', source: 'test/long.md', text });
    await eventually(
      async () =>
        (await request('GET', `${sut.baseUrl}/documents/jobs/${queued.body.jobId}`)).body.status === 'completed',
    );
    const job = await request('GET', `${sut.baseUrl}/documents/jobs/${queued.body.jobId}`);

    expect(queued).toMatchObject({ status: 202, body: { status: 'queued', chunks: 60, jobId: expect.any(String) } });
    expect(job.body).toMatchObject({ status: 'completed', chunksTotal: 60, chunksDone: 60 });
    expect((await request('GET', `${sut.baseUrl}/documents/${queued.body.documentId}`)).body.chunks).toBe(60);
  });

  it('takes a file upload (markdown), titled by its first heading', async () => {
    const uploaded = await upload('iva.md', '# IVAs\n\nAn IVA usually lasts five or six years.', {
      metadata: '{"topic":"insolvency"}',
    });

    expect(uploaded).toMatchObject({ status: 201, body: { status: 'created', title: 'IVAs', chunks: 1 } });
  });

  it.each([
    ['an empty text', 400, () => postJson(`${sut.baseUrl}/documents`, { title: 'x', text: '   ' }), /no text/],
    [
      'no text and no file',
      400,
      () => postJson(`${sut.baseUrl}/documents`, { title: 'x' }),
      /send the document as `text`/,
    ],
    [
      'reserved metadata',
      400,
      () => postJson(`${sut.baseUrl}/documents`, { ...DRO, source: 'x', metadata: { documentId: 'x' } }),
      /metadata.documentId is reserved/,
    ],
    ['an unsupported file', 415, () => upload('letter.docx', 'PK\u0003\u0004'), /not a supported file/],
    ['a file that is not UTF-8', 422, () => upload('notes.txt', Buffer.from([0xff, 0xfe, 0x00, 0x41])), /not UTF-8/],
    ['a PDF without the PDF header', 422, () => upload('manual.pdf', 'hello'), /is not a PDF/],
    ['a file over UPLOAD_MAX_BYTES', 413, () => upload('big.md', 'x'.repeat(5000)), /too large/i],
    ['an unknown document', 404, () => request('GET', `${sut.baseUrl}/documents/doc_nope`), /no document with this id/],
    ['deleting an unknown document', 404, () => request('DELETE', `${sut.baseUrl}/documents/doc_nope`), /no document/],
    ['an unknown job', 404, () => request('GET', `${sut.baseUrl}/documents/jobs/nope`), /no ingest job/],
    ['a bad page size', 400, () => request('GET', `${sut.baseUrl}/documents?limit=0`), /limit/],
    [
      'a metadata key Chroma would refuse',
      400,
      () => postJson(`${sut.baseUrl}/documents`, { ...DRO, source: 'y', metadata: { $where: 'x' } }),
      /metadata key .+where.+ is not allowed: use letters/,
    ],
  ])('refuses %s with a %i that says what to change', async (_name, status, send, message) => {
    const response = await send();

    expect(response.status).toBe(status);
    expect(JSON.stringify(response.body.message)).toMatch(message);
  });
});

describe('ask', () => {
  it('streams tokens, then the sources, then done', async () => {
    const events = await postEvents(`${sut.baseUrl}/ask/stream`, { question: 'What is the DRO debt limit?' });

    const names = events.map((event) => event.event);
    expect(names.slice(-2)).toEqual(['sources', 'done']);
    expect(names.slice(0, -2).every((name) => name === 'token')).toBe(true);
    expect(names.length).toBeGreaterThan(3);
    expect(events[events.length - 2].data.sources.length).toBeGreaterThan(0);
    const { usage } = events[events.length - 1].data;
    expect(usage.completionTokens).toBeGreaterThan(0);
    expect(usage.completionTokens).toBeLessThanOrEqual(32); // ASK_MAX_TOKENS
  });

  it('ends the stream with a typed error event when the answer breaks after its first tokens', async () => {
    await setFaults(llm.url, [{ kind: 'cut', afterTokens: 3, count: 1 }]);

    const events = await postEvents(`${sut.baseUrl}/ask/stream`, { question: 'What is the DRO debt limit?' });
    await setFaults(llm.url, []);

    expect(events[0].event).toBe('token');
    expect(events[events.length - 1]).toEqual({
      event: 'error',
      data: expect.objectContaining({ statusCode: 502, error: 'LlmBadResponse', retryable: false }),
    });
    expect(events.map((event) => event.event)).not.toContain('done');
  });

  it('answers a batch in order as bulk work, with its own error for a bad question', async () => {
    const questions = [
      'Debt Relief Orders > Fees\nThere has been no application fee since 6 April 2024.',
      '',
      'IVAs\nAn IVA usually lasts five or six years.',
    ];

    const response = await postJson(`${sut.baseUrl}/ask/batch`, { questions });

    expect(response.status).toBe(200);
    const results = response.body.results;
    expect(results.map((item: { index: number; ok: boolean }) => [item.index, item.ok])).toEqual([
      [0, true],
      [1, false],
      [2, true],
    ]);
    expect(results[0].sources[0].title).toBe('Debt Relief Orders');
    expect(results[1].error).toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/^questions\.1: the question is empty/),
    });
    expect(results[2].sources[0].title).toBe('IVAs');
  });

  it('filters on document metadata', async () => {
    const response = await postJson(`${sut.baseUrl}/ask`, {
      question: 'How long does an IVA last?',
      filters: { topic: 'insolvency' },
    });

    expect(response.body.sources.map((source: { title: string }) => source.title)).toEqual(['IVAs']);
  });

  it('answers agentically: a plan, bounded retrievals, deduplicated sources and a confidence', async () => {
    const response = await postJson(`${sut.baseUrl}/ask/agentic`, { question: 'Compare a DRO with an IVA.' });

    expect(response.status).toBe(200);
    const { steps, confidence, sources } = response.body;
    expect(steps[0]).toMatchObject({ kind: 'plan' });
    expect(steps[steps.length - 1]).toMatchObject({ kind: 'answer' });
    const retrievals = steps.filter((step: { kind: string }) => step.kind === 'retrieve');
    expect(retrievals.length).toBeGreaterThanOrEqual(1);
    expect(retrievals.length).toBeLessThanOrEqual(4);
    expect(confidence).toBeGreaterThanOrEqual(0);
    expect(confidence).toBeLessThanOrEqual(1);
    const keys = sources.map(
      (source: { documentId: string; chunkIndex: number }) => `${source.documentId}:${source.chunkIndex}`,
    );
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each([
    ['an empty question', { question: '' }, /question must not be empty/],
    ['a question over QUESTION_MAX_CHARS', { question: 'x'.repeat(501) }, /at most 500 \(QUESTION_MAX_CHARS\)/],
    ['an unknown field', { question: 'ok?', k: 3 }, /property k should not exist/],
    ['a topK over 50', { question: 'ok?', topK: 51 }, /topK must not be greater than 50/],
    ['a nested filter value', { question: 'ok?', filters: { topic: { $ne: 'x' } } }, /filters.topic must be a string/],
    [
      'a filter key Chroma would refuse',
      { question: 'ok?', filters: { $and: 'x' } },
      /filter key .+and.+ is not a metadata key/,
    ],
    ['a batch over ASK_BATCH_MAX_QUESTIONS', { questions: ['a', 'b', 'c', 'd', 'e'] }, /at most 4 questions/],
  ])('refuses %s with a 400', async (_name, body, message) => {
    const path = 'questions' in body ? '/ask/batch' : '/ask';

    const response = await postJson(`${sut.baseUrl}${path}`, body);

    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body.message)).toMatch(message);
  });

  // class-validator's IsOptional lets a null through, and Chroma answered `filters: null` with a 502.
  it.each(['/ask', '/ask/stream', '/ask/agentic', '/ask/batch'])(
    'refuses filters: null on %s with a 400, before any work',
    async (path) => {
      const body = path === '/ask/batch' ? { questions: ['ok?'], filters: null } : { question: 'ok?', filters: null };

      const response = await postJson(`${sut.baseUrl}${path}`, body);

      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body.message)).toMatch(/filters must be an object/);
    },
  );

  it('reports Chroma, Redis and the LLM backends in readiness', async () => {
    const ready = await request('GET', `${sut.baseUrl}/health/ready`);

    expect(ready.status).toBe(200);
    expect(ready.body.info).toMatchObject({
      redis: { status: 'up' },
      chroma: { status: 'up' },
      llm: { status: 'up' },
    });
  });
});

describe('ask stream cancellation', () => {
  let slowLlm: StartedServer;
  let slow: ServiceInProcess;

  beforeAll(async () => {
    // Twenty times slower than the fast profile: 1,500 tokens take about 30 s, so the cancel lands mid-answer.
    slowLlm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--time-scale', '20']);
    slow = await start({ ...env(9), VLLM_URL: slowLlm.url, OLLAMA_URL: slowLlm.url, ASK_MAX_TOKENS: '1500' });
  });
  afterAll(async () => {
    await slow?.close();
    await slowLlm?.stop();
  });

  it('cancels the generation on the engine when the client disconnects', async () => {
    await postJson(`${slow.baseUrl}/documents`, DRO);
    const client = new AbortController();
    const response = await fetch(`${slow.baseUrl}/ask/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'What is the DRO debt limit?' }),
      signal: client.signal,
    });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    expect(await metricValue(slowLlm.url, 'vllm:num_requests_running')).toBe(1);

    client.abort();

    await eventually(async () => (await metricValue(slowLlm.url, 'vllm:num_requests_running')) === 0, 3_000);
    expect(await metricValue(slowLlm.url, 'vllm:generation_tokens_total')).toBeLessThan(1500);
  });
});

describe('manuals folder', () => {
  let loaded: ServiceInProcess;

  afterAll(async () => {
    await loaded?.close();
  });

  it('ingests every sample manual at start when the collection is empty, and answers from them', async () => {
    loaded = await start(env(10, { MANUALS_DIR: MANUALS, CHUNK_SIZE: '1000', CHUNK_OVERLAP: '150' }));
    await loaded.app.get(ManualsLoader).done;

    const list = await request('GET', `${loaded.baseUrl}/documents`);
    const answer = await postJson(`${loaded.baseUrl}/ask`, {
      question: 'What are the qualifying debts limits for a Debt Relief Order?',
    });

    expect(list.body.total).toBe(5);
    expect(list.body.items.map((item: { title: string }) => item.title).sort()).toEqual([
      'Bankruptcy',
      'Breathing Space',
      'Debt Relief Orders',
      'Individual Voluntary Arrangements',
      'Priority debts',
    ]);
    expect(answer.body.sources[0].title).toBe('Debt Relief Orders');
  });
});
