import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import {
  DOCUMENT_PROCESSED_PATTERN,
  LOCAL_ORGANISATION,
  configureService,
  pingPattern,
  redisOptionsFromUrl,
} from '@rma/service-core';
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
import { createHash, randomUUID } from 'node:crypto';
import { firstValueFrom, timeout } from 'rxjs';
import { AppModule } from '../app.module';
import { SERVICE_NAME } from '../config/env.schema';

// Real Redis, real Chroma, a real local-llm whose embeddings are made late by an injected delay.
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;
const chromaUrl = process.env['RMA_TEST_CHROMA_URL'] as string;
const collection = `test-${randomUUID().slice(0, 8)}`;
const clientPrefix = `td${randomUUID().slice(0, 6)}-`;
const DEADLINE_MS = 800;

let llm: StartedServer;
let sut: ServiceInProcess;
let transport: ClientProxy;

const MANUAL = {
  title: 'Breathing Space',
  source: 'test/breathing-deadline.md',
  text: '# Breathing Space\n\nA standard breathing space lasts 60 days and freezes interest and charges.',
};
const markdown = '# Council tax bill\n\nCouncil tax arrears of £1,200 are owed to Northshire Council.';
const CLIENT_DOCUMENT = {
  documentId: 'doc-deadline-1',
  organisation: LOCAL_ORGANISATION,
  clientId: 'client-d',
  title: 'Council tax bill',
  markdown,
  documentType: 'council-tax-bill',
  sha256: createHash('sha256').update(markdown).digest('hex'),
  processedAt: '2026-11-29T10:00:00.000Z',
};

const send = (pattern: string, payload: unknown, timeoutMs = 20_000) =>
  firstValueFrom(transport.send(pattern, payload).pipe(timeout(timeoutMs)));

beforeAll(async () => {
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--admin']);
  const environment = {
    REDIS_URL: `${redisUrl}/13`,
    CHROMA_URL: chromaUrl,
    CHROMA_COLLECTION: collection,
    CLIENT_COLLECTION_PREFIX: clientPrefix,
    VLLM_URL: llm.url,
    OLLAMA_URL: llm.url,
    LOG_LEVEL: 'error',
    MANUALS_DIR: 'off',
    INGEST_TIMEOUT_MS: String(DEADLINE_MS),
    CLIENT_DOCUMENT_TIMEOUT_MS: String(DEADLINE_MS),
  };
  sut = await startServiceInProcess(AppModule.forRoot(environment), environment.REDIS_URL, configureService);
  await sut.app.startAllMicroservices();
  transport = ClientProxyFactory.create({ transport: Transport.REDIS, options: redisOptionsFromUrl(redisUrl) });
  await eventually(async () => {
    try {
      await send(pingPattern(SERVICE_NAME), {}, 500);
      return true;
    } catch {
      return false;
    }
  });
  // A first POST warms the process up (its first request compiles what the rest reuse): not the deadline's time.
  await postJson(`${sut.baseUrl}/documents`, {
    title: 'Warm-up',
    source: 'test/warm-up.md',
    text: '# Warm-up\n\nNothing.',
  });
  await request(
    'DELETE',
    `${sut.baseUrl}/documents/${(await request('GET', `${sut.baseUrl}/documents`)).body.items[0].id}`,
  );
}, 60_000);
afterEach(async () => {
  await setFaults(llm.url, []);
});
afterAll(async () => {
  await transport?.close();
  await sut?.close();
  await llm?.stop();
  const url = new URL(chromaUrl);
  const chroma = new ChromaClient({ host: url.hostname, port: Number(url.port) });
  const names = (await chroma.listCollections()).map((found) => found.name);
  await Promise.all(
    names
      .filter((name) => name === collection || name.startsWith(clientPrefix))
      .map((name) => chroma.deleteCollection({ name })),
  );
});

describe('the deadline of an inline ingest', () => {
  it('ends POST /documents by INGEST_TIMEOUT_MS plus 100 ms with a 504, storing no version; sending it again works', async () => {
    await setFaults(llm.url, [{ kind: 'delay-first-token', target: 'embeddings', delayMs: 5_000 }]);
    const started = performance.now();

    const late = await postJson(`${sut.baseUrl}/documents`, MANUAL);
    const elapsed = performance.now() - started;

    expect(late).toMatchObject({
      status: 504,
      body: { statusCode: 504, code: 'ingest_timeout', message: expect.stringContaining('INGEST_TIMEOUT_MS (800 ms)') },
    });
    expect(elapsed).toBeLessThan(DEADLINE_MS + 100);
    expect((await request('GET', `${sut.baseUrl}/documents`)).body.total).toBe(0);
    await setFaults(llm.url, []);
    // The abandoned ingest lets go of the document's lock once its embedding call is aborted.
    let again = { status: 0, body: {} as Record<string, unknown> };
    await eventually(async () => {
      again = await postJson(`${sut.baseUrl}/documents`, MANUAL);
      return again.status !== 409;
    });
    expect(again).toMatchObject({ status: 201, body: { status: 'created', chunks: 1 } });
  });

  it("answers doc-processor's hand-off by CLIENT_DOCUMENT_TIMEOUT_MS with a retryable error reply", async () => {
    await setFaults(llm.url, [{ kind: 'delay-first-token', target: 'embeddings', delayMs: 5_000 }]);
    const started = performance.now();

    const reply = await send(DOCUMENT_PROCESSED_PATTERN, CLIENT_DOCUMENT).catch((error: unknown) => error);
    const elapsed = performance.now() - started;

    expect(reply).toMatchObject({ status: 'error', statusCode: 504, code: 'ingest_timeout', retryable: true });
    expect(elapsed).toBeLessThan(DEADLINE_MS + 100);
  });
});
