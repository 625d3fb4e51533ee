import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import {
  ApiKeyStore,
  DOCUMENT_DELETED_PATTERN,
  DOCUMENT_PROCESSED_PATTERN,
  LOCAL_ORGANISATION,
  configureService,
  pingPattern,
  redisOptionsFromUrl,
} from '@rma/service-core';
import type { ApiScope, DocumentIndexedReply } from '@rma/service-core';
import {
  ServiceInProcess,
  StartedServer,
  eventually,
  parseEvents,
  startLocalLlm,
  startServiceInProcess,
} from '@rma/testing';
import { ChromaClient } from 'chromadb';
import { Redis } from 'ioredis';
import { createHash, randomUUID } from 'node:crypto';
import { firstValueFrom, timeout } from 'rxjs';
import { AppModule } from './app.module';
import { SERVICE_NAME } from './config/env.schema';

// Tenancy over HTTP with real API keys (AUTH_MODE=on): two organisations, A and B, each with a client
// called `cl-1`, against real Redis, Chroma and a local-llm on its simulated engine (embeddings are a
// hashed bag of words: a question that repeats a chunk's words finds that chunk first). Every endpoint
// that reads or deletes stored data answers another organisation's ids as missing, with the same body.
const redisUrl = `${process.env['RMA_TEST_REDIS_URL'] as string}/5`;
const chromaUrl = process.env['RMA_TEST_CHROMA_URL'] as string;
const clientPrefix = `tt${randomUUID().slice(0, 6)}-`;

/** Words of A's statement: a question made of them finds it, if it may. */
const A_TEXT = 'Zebrafinch Holdings statement: the overdraft with Quillmoor Bank stands at £4,321.09.';
const B_TEXT = 'Heronsgate Lettings notice: the rent arrears with Brackenfold Council stand at £765.43.';

/** An eligibility check's facts (the debts come from the documents asked for). */
const CLIENT_FACTS = {
  region: 'england',
  debts: [{ creditor: 'Barclaycard', amount: 4200, type: 'credit_card', secured: false }],
  monthlyIncome: 1400,
  monthlyExpenses: 1360,
  assetsValue: 300,
  vehicleValue: 0,
  ownsHome: false,
  lastDebtReliefOrderApprovedOn: null,
  currentlyBankrupt: false,
  bankruptcyPetitionPending: false,
  inIva: false,
  lastStandardBreathingSpaceEndedOn: null,
  inMentalHealthCrisis: false,
  connectedToEnglandOrWalesLast3Years: true,
  asOf: '2026-11-29',
};

let llm: StartedServer;
let sut: ServiceInProcess;
let transport: ClientProxy;
const keys: Record<'a' | 'b' | 'adminA' | 'adminB' | 'local', string> = {} as never;

async function createKey(organisation: string, scopes: ApiScope[]): Promise<string> {
  const redis = new Redis(redisUrl);
  try {
    return (await new ApiKeyStore(redis).create({ organisation, scopes, label: 'tenancy test' })).key;
  } finally {
    redis.disconnect();
  }
}

async function call(
  key: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; text: string }> {
  const response = await fetch(`${sut.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // an event stream, or plain text
  }
  return { status: response.status, body: parsed, text };
}

async function send(pattern: string, payload: unknown): Promise<DocumentIndexedReply> {
  return firstValueFrom(transport.send<DocumentIndexedReply>(pattern, payload).pipe(timeout(20_000)));
}

function statement(documentId: string, organisation: string | undefined, text: string) {
  const markdown = `<!-- page 1 -->\n# Statement\n\n${text}`;
  return {
    documentId,
    ...(organisation === undefined ? {} : { organisation }),
    clientId: 'cl-1',
    title: `statement ${documentId}`,
    markdown,
    documentType: 'debt_collection_letter',
    sha256: createHash('sha256').update(markdown).digest('hex'),
    processedAt: '2026-11-20T10:00:00.000Z',
    facts: {
      creditor: 'Quillmoor Bank',
      originalCreditor: null,
      reference: null,
      balance: 4321.09,
      arrears: null,
      dates: [],
      demands: [],
      deadlines: [],
    },
  };
}

const documentIdsOf = (sources: Array<{ documentId: string }>) => sources.map((source) => source.documentId);
/** A 404 body with the asked-for id taken out: what a caller could compare between two ids. */
const withoutId = (body: unknown, id: string) => JSON.parse(JSON.stringify(body).split(id).join('<id>'));

beforeAll(async () => {
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--parallel', '16']);
  const environment = {
    REDIS_URL: redisUrl,
    CHROMA_URL: chromaUrl,
    CHROMA_COLLECTION: `tenancy-${randomUUID().slice(0, 8)}`,
    CLIENT_COLLECTION_PREFIX: clientPrefix,
    VLLM_URL: llm.url,
    OLLAMA_URL: llm.url,
    LOG_LEVEL: 'error',
    AUTH_MODE: 'on',
    GENERATION_CONCURRENCY: 'fixed:8',
    MANUALS_DIR: 'off',
    CHUNK_SIZE: '300',
    CHUNK_OVERLAP: '50',
    INGEST_JOB_MIN_CHUNKS: '3',
    ASK_MAX_TOKENS: '16',
    AGENTIC_MAX_STEPS: '2',
  };
  sut = await startServiceInProcess(AppModule.forRoot(environment), environment.REDIS_URL, configureService);
  await sut.app.startAllMicroservices();
  transport = ClientProxyFactory.create({
    transport: Transport.REDIS,
    options: redisOptionsFromUrl(process.env['RMA_TEST_REDIS_URL'] as string),
  });
  await eventually(async () => {
    try {
      await firstValueFrom(transport.send(pingPattern(SERVICE_NAME), {}).pipe(timeout(500)));
      return true;
    } catch {
      return false;
    }
  });
  const user: ApiScope[] = ['ask', 'documents', 'eligibility'];
  keys.a = await createKey('org-a', user);
  keys.b = await createKey('org-b', user);
  keys.adminA = await createKey('org-a', ['admin', ...user]);
  keys.adminB = await createKey('org-b', ['admin', ...user]);
  keys.local = await createKey(LOCAL_ORGANISATION, user);

  // Each organisation's client cl-1 has one document; a third, sent as an older doc-processor sends
  // (no organisation), is the local organisation's.
  expect(await send(DOCUMENT_PROCESSED_PATTERN, statement('doc-a', 'org-a', A_TEXT))).toMatchObject({
    status: 'created',
  });
  expect(await send(DOCUMENT_PROCESSED_PATTERN, statement('doc-b', 'org-b', B_TEXT))).toMatchObject({
    status: 'created',
  });
  expect(await send(DOCUMENT_PROCESSED_PATTERN, statement('doc-legacy', undefined, A_TEXT))).toMatchObject({
    status: 'created',
  });
  expect(
    await call(keys.adminA, 'POST', '/documents', {
      title: 'Priority debts',
      source: 'manuals/priority.md',
      text: '# Priority debts\n\nCouncil tax arrears are a priority debt: the council can ask a court for a liability order.',
    }),
  ).toMatchObject({ status: 201 });
});

afterAll(async () => {
  await transport?.close();
  await sut?.close();
  await llm?.stop();
  const url = new URL(chromaUrl);
  const chroma = new ChromaClient({ host: url.hostname, port: Number(url.port) });
  for (const name of await chroma.listCollections().then((all) => all.map((collection) => collection.name))) {
    if (name.startsWith(clientPrefix) || name.startsWith('tenancy-')) await chroma.deleteCollection({ name });
  }
});

describe('tenancy', () => {
  it("answers /ask with a client's documents of the caller's organisation only, whatever the filters", async () => {
    const asA = await call(keys.a, 'POST', '/ask', { question: A_TEXT, clientId: 'cl-1' });
    const asB = await call(keys.b, 'POST', '/ask', { question: A_TEXT, clientId: 'cl-1' });
    const asBFiltered = await call(keys.b, 'POST', '/ask', {
      question: A_TEXT,
      clientId: 'cl-1',
      filters: { documentId: 'doc-a' },
    });
    const asLocal = await call(keys.local, 'POST', '/ask', { question: A_TEXT, clientId: 'cl-1' });

    expect(asA.status).toBe(200);
    expect(documentIdsOf(asA.body.sources)).toContain('doc-a');
    expect(documentIdsOf(asA.body.sources)).not.toContain('doc-legacy');
    expect(asB.status).toBe(200);
    expect(documentIdsOf(asB.body.sources)).toContain('doc-b');
    expect(documentIdsOf(asB.body.sources)).not.toContain('doc-a');
    expect(asBFiltered.status).toBe(200);
    expect(documentIdsOf(asBFiltered.body.sources)).toEqual([]);
    // The manuals are every organisation's; a document sent without an organisation is the local one's.
    expect(asB.body.sources.some((source: any) => source.collection === 'manuals')).toBe(true);
    expect(documentIdsOf(asLocal.body.sources)).toContain('doc-legacy');
    expect(documentIdsOf(asLocal.body.sources)).not.toContain('doc-a');
  });

  it('takes the organisation from the key alone: a body that names one is refused', async () => {
    const asked = await call(keys.b, 'POST', '/ask', { question: A_TEXT, clientId: 'cl-1', organisation: 'org-a' });

    expect(asked.status).toBe(400);
    expect(JSON.stringify(asked.body.message)).toMatch(/organisation/);
    expect(asked.text).not.toContain('Zebrafinch');
  });

  it("streams, plans and batches /ask answers from the caller's organisation's client only", async () => {
    const stream = await call(keys.b, 'POST', '/ask/stream', { question: A_TEXT, clientId: 'cl-1' });
    const agentic = await call(keys.b, 'POST', '/ask/agentic', { question: A_TEXT, clientId: 'cl-1' });
    const batch = await call(keys.b, 'POST', '/ask/batch', { questions: [A_TEXT, B_TEXT], clientId: 'cl-1' });
    const streamA = await call(keys.a, 'POST', '/ask/stream', { question: A_TEXT, clientId: 'cl-1' });

    const streamed = parseEvents(stream.text).find((event) => event.event === 'sources');
    expect(stream.status).toBe(200);
    expect(documentIdsOf(streamed?.data.sources)).toContain('doc-b');
    expect(documentIdsOf(streamed?.data.sources)).not.toContain('doc-a');
    expect(agentic.status).toBe(200);
    expect(documentIdsOf(agentic.body.sources)).not.toContain('doc-a');
    expect(batch.status).toBe(200);
    const batchSources = batch.body.results.flatMap((result: any) => documentIdsOf(result.sources));
    expect(batchSources).toContain('doc-b');
    expect(batchSources).not.toContain('doc-a');
    const streamedA = parseEvents(streamA.text).find((event) => event.event === 'sources');
    expect(documentIdsOf(streamedA?.data.sources)).toContain('doc-a');
  });

  it("pre-fills /eligibility from the caller's organisation's documents; another's is a 404 like a missing one", async () => {
    const facts = { ...CLIENT_FACTS, clientId: 'cl-1', explain: false };
    const asA = await call(keys.a, 'POST', '/eligibility', { ...facts, documentIds: ['doc-a'] });
    const asB = await call(keys.b, 'POST', '/eligibility', { ...facts, documentIds: ['doc-a'] });
    const missing = await call(keys.b, 'POST', '/eligibility', { ...facts, documentIds: ['doc-zzz'] });
    const streamB = await call(keys.b, 'POST', '/eligibility/stream', { ...facts, documentIds: ['doc-a'] });

    expect(asA.status).toBe(200);
    expect(asA.body.prefilled).toContainEqual(expect.objectContaining({ documentId: 'doc-a', amount: 4321.09 }));
    expect(asB.status).toBe(404);
    expect(withoutId(asB.body, 'doc-a')).toEqual(withoutId(missing.body, 'doc-zzz'));
    expect(streamB.text).not.toContain('4321.09');
    expect(streamB.text).toContain('no processed document for documentIds[0]');
  });

  it("reads an ingest job for the organisation that started it only; another's is a 404 like an unknown id", async () => {
    const text = [
      '# Breathing space',
      ...Array.from(
        { length: 8 },
        (_, index) => `## Part ${index}\n\n${'Words about breathing space and creditors. '.repeat(6)}`,
      ),
    ].join('\n\n');
    const queued = await call(keys.adminA, 'POST', '/documents', { title: 'Breathing space', text });
    expect(queued.status).toBe(202);
    const jobId = queued.body.jobId as string;

    const asA = await call(keys.a, 'GET', `/documents/jobs/${jobId}`);
    const asB = await call(keys.b, 'GET', `/documents/jobs/${jobId}`);
    const unknownId = randomUUID();
    const unknown = await call(keys.b, 'GET', `/documents/jobs/${unknownId}`);

    expect(asA).toMatchObject({ status: 200, body: { id: jobId, documentId: queued.body.documentId } });
    expect(asB.status).toBe(404);
    expect(withoutId(asB.body, jobId)).toEqual(withoutId(unknown.body, unknownId));
    await eventually(async () => (await call(keys.a, 'GET', `/documents/jobs/${jobId}`)).body.status === 'completed');
  });

  it('shares the manuals: every organisation lists and reads them; only an admin key adds or deletes one', async () => {
    const list = await call(keys.b, 'GET', '/documents');
    const id = list.body.items.find((item: any) => item.title === 'Priority debts')?.id as string;
    const read = await call(keys.b, 'GET', `/documents/${id}`);
    const add = await call(keys.b, 'POST', '/documents', { title: 'Mine', text: '# Mine\n\nA manual of my own.' });
    const remove = await call(keys.b, 'DELETE', `/documents/${id}`);

    expect(list.status).toBe(200);
    expect(id).toEqual(expect.any(String));
    expect(read).toMatchObject({ status: 200, body: { title: 'Priority debts' } });
    expect(add).toMatchObject({ status: 403, body: { code: 'scope_missing' } });
    expect(remove).toMatchObject({ status: 403, body: { code: 'scope_missing' } });
    expect((await call(keys.a, 'GET', `/documents/${id}`)).status).toBe(200);
  });

  it("keeps a background /ask/batch to its organisation, answered from that organisation's client", async () => {
    const accepted = await call(
      keys.b,
      'POST',
      '/ask/batch',
      { questions: [A_TEXT], clientId: 'cl-1' },
      {
        prefer: 'respond-async',
      },
    );
    expect(accepted.status).toBe(202);
    const jobId = accepted.body.jobId as string;
    const unknownId = randomUUID();

    const asA = await call(keys.a, 'GET', `/ask/batch/${jobId}`);
    const unknown = await call(keys.a, 'GET', `/ask/batch/${unknownId}`);
    let asB = await call(keys.b, 'GET', `/ask/batch/${jobId}`);
    await eventually(async () => {
      asB = await call(keys.b, 'GET', `/ask/batch/${jobId}`);
      return asB.body.status !== 'running';
    });

    expect(asA.status).toBe(404);
    expect(withoutId(asA.body, jobId)).toEqual(withoutId(unknown.body, unknownId));
    expect(asB.body).toMatchObject({ status: 'completed', done: 1 });
    expect(documentIdsOf(asB.body.results[0].sources)).toContain('doc-b');
    expect(documentIdsOf(asB.body.results[0].sources)).not.toContain('doc-a');
  });

  it("deletes a client's document only for the organisation that sent it", async () => {
    const wrongOrganisation = await send(DOCUMENT_DELETED_PATTERN, {
      documentId: 'doc-a',
      organisation: 'org-b',
      clientId: 'cl-1',
    });
    const stillThere = await call(keys.a, 'POST', '/ask', { question: A_TEXT, clientId: 'cl-1' });
    const deleted = await send(DOCUMENT_DELETED_PATTERN, {
      documentId: 'doc-a',
      organisation: 'org-a',
      clientId: 'cl-1',
    });
    const gone = await call(keys.a, 'POST', '/ask', { question: A_TEXT, clientId: 'cl-1' });
    const figures = await call(keys.a, 'POST', '/eligibility', {
      ...CLIENT_FACTS,
      clientId: 'cl-1',
      documentIds: ['doc-a'],
      explain: false,
    });

    expect(wrongOrganisation).toMatchObject({ status: 'not_found', chunks: 0 });
    expect(documentIdsOf(stillThere.body.sources)).toContain('doc-a');
    expect(deleted).toMatchObject({ status: 'deleted' });
    expect(documentIdsOf(gone.body.sources)).not.toContain('doc-a');
    expect(figures.status).toBe(404);
  });
});
