import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import {
  DOCUMENT_DELETED_PATTERN,
  DOCUMENT_PROCESSED_PATTERN,
  LOCAL_ORGANISATION,
  configureService,
  documentIndexedReplySchema,
  pingPattern,
  redisOptionsFromUrl,
} from '@rma/service-core';
import type { DocumentIndexedReply, DocumentProcessed } from '@rma/service-core';
import {
  ServiceInProcess,
  StartedServer,
  eventually,
  postJson,
  startLocalLlm,
  startServiceInProcess,
} from '@rma/testing';
import { ChromaClient } from 'chromadb';
import { createHash, randomUUID } from 'node:crypto';
import { firstValueFrom, timeout } from 'rxjs';
import { AppModule } from '../app.module';
import { SERVICE_NAME } from '../config/env.schema';
import { ManualTextSplitter } from '../documents/manual-text-splitter';
import { ClientDocumentFigures } from './client-document-figures';
import { ClientDocumentsController } from './client-documents.controller';

// doc-processor's hand-off over the real Redis transport to a rag-service booted in this process, with real
// Chroma and a real local-llm (simulated engine: embeddings are a hashed bag of words, so a question that
// repeats a chunk's text finds that chunk first).
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;
const chromaUrl = process.env['RMA_TEST_CHROMA_URL'] as string;
const manualsCollection = `test-${randomUUID().slice(0, 8)}`;
/** Collections of this run's clients start with this, and are deleted after it. */
const clientPrefix = `tc${randomUUID().slice(0, 6)}-`;
const CHUNKING = { chunkSize: 300, chunkOverlap: 50 };

const STATEMENT = [
  '# Bank statement',
  '',
  '## Balance',
  '',
  'The closing balance on the current account is £412.50 overdrawn.',
  '',
  '## Payments out',
  '',
  'A standing order of £85 a month goes to Northshire Council for council tax arrears.',
].join('\n');

let llm: StartedServer;
let sut: ServiceInProcess;
let transport: ClientProxy;
const chroma = () => {
  const url = new URL(chromaUrl);
  return new ChromaClient({ host: url.hostname, port: Number(url.port) });
};

function processed(overrides: Partial<DocumentProcessed> = {}): DocumentProcessed {
  const markdown = overrides.markdown ?? STATEMENT;
  return {
    documentId: 'doc-statement-1',
    organisation: LOCAL_ORGANISATION,
    clientId: 'client-a',
    title: 'Current account statement, March',
    markdown,
    documentType: 'bank-statement',
    sha256: createHash('sha256').update(markdown).digest('hex'),
    processedAt: '2025-03-04T10:00:00.000Z',
    ...overrides,
  };
}

/** A request over the Redis transport; its reply, or a rejection with the error reply. */
async function send(pattern: string, payload: unknown, timeoutMs = 20_000): Promise<DocumentIndexedReply> {
  return firstValueFrom(transport.send<DocumentIndexedReply>(pattern, payload).pipe(timeout(timeoutMs)));
}

/** The chunk of the statement under a heading, as the service's splitter cuts it. */
async function chunkUnder(markdown: string, heading: string): Promise<string> {
  const chunks = await new ManualTextSplitter(CHUNKING).splitManual(markdown, { markdown: true });
  const chunk = chunks.find((candidate) => candidate.headings.includes(heading));
  if (!chunk) throw new Error(`no chunk under ${heading}`);
  return chunk.text;
}

const documentIds = (body: { sources: Array<{ documentId: string }> }) =>
  body.sources.map((source) => source.documentId);

beforeAll(async () => {
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--parallel', '16']);
  const environment = {
    REDIS_URL: `${redisUrl}/11`,
    CHROMA_URL: chromaUrl,
    CHROMA_COLLECTION: manualsCollection,
    CLIENT_COLLECTION_PREFIX: clientPrefix,
    VLLM_URL: llm.url,
    OLLAMA_URL: llm.url,
    LOG_LEVEL: 'error',
    GENERATION_CONCURRENCY: 'fixed:8',
    MANUALS_DIR: 'off',
    CHUNK_SIZE: String(CHUNKING.chunkSize),
    CHUNK_OVERLAP: String(CHUNKING.chunkOverlap),
    ASK_MAX_TOKENS: '32',
  };
  sut = await startServiceInProcess(AppModule.forRoot(environment), environment.REDIS_URL, configureService);
  await sut.app.startAllMicroservices();
  transport = ClientProxyFactory.create({ transport: Transport.REDIS, options: redisOptionsFromUrl(redisUrl) });
  // Subscribed once the service answers its ping (a message sent before would go to nobody).
  await eventually(async () => {
    try {
      await send(pingPattern(SERVICE_NAME), {}, 500);
      return true;
    } catch {
      return false;
    }
  });
  await postJson(`${sut.baseUrl}/documents`, {
    title: 'Priority debts',
    source: 'test/priority.md',
    text: '# Priority debts\n\nCouncil tax arrears are a priority debt: the council can ask a court for a liability order.',
  });
}, 60_000);

afterAll(async () => {
  await transport?.close();
  await sut?.close();
  await llm?.stop();
  const client = chroma();
  const names = (await client.listCollections()).map((collection) => collection.name);
  await Promise.all(
    names
      .filter((name) => name === manualsCollection || name.startsWith(clientPrefix))
      .map((name) => client.deleteCollection({ name }).catch(() => undefined)),
  );
});

describe(ClientDocumentsController.name, () => {
  it('indexes a processed document into its client collection, and the same document again changes nothing', async () => {
    const created = await send(DOCUMENT_PROCESSED_PATTERN, processed());
    const again = await send(DOCUMENT_PROCESSED_PATTERN, processed());

    expect(documentIndexedReplySchema.parse(created)).toEqual({
      documentId: 'doc-statement-1',
      status: 'created',
      chunks: expect.any(Number),
    });
    expect(created.chunks).toBeGreaterThan(1);
    expect(again).toEqual({ documentId: 'doc-statement-1', status: 'unchanged', chunks: created.chunks });
    const stored = await (
      await chroma().getCollection({ name: `${clientPrefix}client-a`, embeddingFunction: null } as never)
    ).get({ include: ['metadatas'] as never });
    expect(stored.ids).toHaveLength(created.chunks);
    expect(stored.metadatas).toEqual(
      Array(created.chunks).fill(
        expect.objectContaining({
          clientId: 'client-a',
          documentType: 'bank-statement',
          documentId: 'doc-statement-1',
        }),
      ),
    );
  });

  it("answers a question with the client's id from that client's document beside the manuals", async () => {
    const chunk = await chunkUnder(STATEMENT, 'Payments out');

    const answer = await postJson(`${sut.baseUrl}/ask`, { question: chunk, clientId: 'client-a' });

    expect(answer.status).toBe(200);
    expect(answer.body.sources[0]).toMatchObject({
      documentId: 'doc-statement-1',
      chunk,
      collection: 'client',
      documentType: 'bank-statement',
    });
    expect(answer.body.sources[0].score).toBeCloseTo(1, 3);
    expect(answer.body.sources).toContainEqual(
      expect.objectContaining({ title: 'Priority debts', collection: 'manuals' }),
    );
    const scores = answer.body.sources.map((source: { score: number }) => source.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("never shows a client's document to another client's question, nor to one without a client", async () => {
    const question = await chunkUnder(STATEMENT, 'Payments out');

    const other = await postJson(`${sut.baseUrl}/ask`, { question, clientId: 'client-b' });
    const none = await postJson(`${sut.baseUrl}/ask`, { question });
    const batch = await postJson(`${sut.baseUrl}/ask/batch`, { questions: [question] });

    expect(other.status).toBe(200);
    expect(none.status).toBe(200);
    expect(documentIds(other.body)).not.toContain('doc-statement-1');
    expect(documentIds(none.body)).not.toContain('doc-statement-1');
    expect(documentIds(batch.body.results[0])).not.toContain('doc-statement-1');
    expect(none.body.sources.every((source: { collection: string }) => source.collection === 'manuals')).toBe(true);
  });

  it("answers a batch with the client's id from that client's documents too", async () => {
    const question = await chunkUnder(STATEMENT, 'Balance');

    const batch = await postJson(`${sut.baseUrl}/ask/batch`, { questions: [question], clientId: 'client-a' });

    expect(batch.status).toBe(200);
    expect(batch.body.results[0].sources[0]).toMatchObject({ documentId: 'doc-statement-1', collection: 'client' });
  });

  it('replaces a document sent again with another file, and deletes it', async () => {
    const markdown = STATEMENT.replace('£412.50 overdrawn', '£38.20 in credit');
    const oldChunk = await chunkUnder(STATEMENT, 'Balance');
    const newChunk = await chunkUnder(markdown, 'Balance');
    const document = { documentId: 'doc-statement-2', clientId: 'client-c' };
    await send(DOCUMENT_PROCESSED_PATTERN, processed(document));

    const replaced = await send(DOCUMENT_PROCESSED_PATTERN, processed({ ...document, markdown }));
    const afterReplace = await postJson(`${sut.baseUrl}/ask`, { question: newChunk, clientId: 'client-c' });
    const deleted = await send(DOCUMENT_DELETED_PATTERN, { documentId: 'doc-statement-2', clientId: 'client-c' });
    const afterDelete = await postJson(`${sut.baseUrl}/ask`, { question: newChunk, clientId: 'client-c' });
    const deletedAgain = await send(DOCUMENT_DELETED_PATTERN, { documentId: 'doc-statement-2', clientId: 'client-c' });

    expect(replaced).toMatchObject({ documentId: 'doc-statement-2', status: 'replaced' });
    expect(afterReplace.body.sources[0]).toMatchObject({ documentId: 'doc-statement-2', chunk: newChunk });
    expect(afterReplace.body.sources.map((source: { chunk: string }) => source.chunk)).not.toContain(oldChunk);
    expect(deleted).toEqual({ documentId: 'doc-statement-2', status: 'deleted', chunks: replaced.chunks });
    expect(afterDelete.status).toBe(200);
    expect(documentIds(afterDelete.body)).not.toContain('doc-statement-2');
    expect(deletedAgain).toEqual({ documentId: 'doc-statement-2', status: 'not_found', chunks: 0 });
  });

  it("keeps the debts a document's facts show, with their page, for that client only, until it is deleted", async () => {
    const markdown = [
      '<!-- page 1 -->',
      '# Notice of assignment',
      '',
      'Your Vanquis Bank account has been assigned to us.',
      '',
      '<!-- page 2 -->',
      '## Your balance',
      '',
      'The amount you owe is £1,234.50.',
    ].join('\n');
    const letter = processed({
      documentId: 'doc-letter-1',
      clientId: 'client-d',
      title: 'Debt collection letter',
      markdown,
      documentType: 'debt_collection_letter',
      facts: {
        creditor: 'Lowell Portfolio I Ltd',
        originalCreditor: 'Vanquis Bank',
        reference: null,
        balance: 1234.5,
        arrears: null,
        dates: [],
        demands: [],
        deadlines: [],
      },
    });
    const figures = sut.app.get(ClientDocumentFigures);

    await send(DOCUMENT_PROCESSED_PATTERN, letter);
    const local = (clientId: string) => ({ organisation: LOCAL_ORGANISATION, clientId });
    const stored = await figures.find(local('client-d'), ['doc-letter-1', 'doc-never-sent']);
    const otherClient = await figures.find(local('client-e'), ['doc-letter-1']);
    await send(DOCUMENT_DELETED_PATTERN, { documentId: 'doc-letter-1', clientId: 'client-d' });
    const afterDelete = await figures.find(local('client-d'), ['doc-letter-1']);

    expect(stored).toEqual({
      figures: [
        {
          field: 'debt',
          amount: 1234.5,
          creditor: 'Lowell Portfolio I Ltd',
          debtType: 'other',
          documentId: 'doc-letter-1',
          documentType: 'debt_collection_letter',
          page: 2,
          factField: 'balance',
        },
      ],
      missing: ['doc-never-sent'],
    });
    expect(otherClient).toEqual({ figures: [], missing: ['doc-letter-1'] });
    expect(afterDelete).toEqual({ figures: [], missing: ['doc-letter-1'] });
  });

  it('records a document sent without facts (an older sender) as found, with no figures', async () => {
    await send(DOCUMENT_PROCESSED_PATTERN, processed({ documentId: 'doc-statement-3', clientId: 'client-d' }));

    const client = { organisation: LOCAL_ORGANISATION, clientId: 'client-d' };
    expect(await sut.app.get(ClientDocumentFigures).find(client, ['doc-statement-3'])).toEqual({
      figures: [],
      missing: [],
    });
  });

  it('answers an invalid message with an error reply that names the bad fields, and keeps serving', async () => {
    const refused = send(DOCUMENT_PROCESSED_PATTERN, { ...processed(), clientId: '../etc', sha256: 'abc' });

    await expect(refused).rejects.toMatchObject({
      status: 'error',
      code: 'invalid_document_event',
      retryable: false,
      message: expect.stringMatching(/document\.processed payload refused: .*clientId.*sha256/),
    });
    await expect(send(DOCUMENT_DELETED_PATTERN, 'not an object')).rejects.toMatchObject({
      code: 'invalid_document_event',
    });
    expect(await send(DOCUMENT_DELETED_PATTERN, { documentId: 'never-sent', clientId: 'client-a' })).toEqual({
      documentId: 'never-sent',
      status: 'not_found',
      chunks: 0,
    });
  });

  it('refuses a malformed clientId on /ask and /ask/batch with a 400 that says what a clientId is', async () => {
    const ask = await postJson(`${sut.baseUrl}/ask`, { question: 'What is a priority debt?', clientId: 'a/b' });
    const batch = await postJson(`${sut.baseUrl}/ask/batch`, { questions: ['What is a priority debt?'], clientId: '' });

    expect(ask.status).toBe(400);
    expect(JSON.stringify(ask.body.message)).toContain('clientId must be 1-48 letters, digits, _ or -');
    expect(batch.status).toBe(400);
    expect(JSON.stringify(batch.body.message)).toContain('clientId must be');
  });
});
