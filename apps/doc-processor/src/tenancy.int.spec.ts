import { Controller, INestMicroservice } from '@nestjs/common';
import { MessagePattern, Payload, Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import {
  ApiKeyStore,
  DOCUMENT_DELETED_PATTERN,
  DOCUMENT_PROCESSED_PATTERN,
  LOCAL_ORGANISATION,
  configureService,
  redisOptionsFromUrl,
} from '@rma/service-core';
import type { DocumentIndexedReply } from '@rma/service-core';
import { ServiceInProcess, StartedServer, eventually, startLocalLlm, startServiceInProcess } from '@rma/testing';
import { sampleDocument, textPdf } from '@rma/testing/documents';
import { Redis } from 'ioredis';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from './app.module';

// Tenancy over HTTP with real API keys (AUTH_MODE=on): organisations A and B upload the same files for
// a client both call `cl-1`, against real Redis, real reader children and a real local-llm. Another
// organisation's document is missing to it in every endpoint, with the same body as an unknown id.
const redisUrl = `${process.env['RMA_TEST_REDIS_URL'] as string}/10`;

/**
 * Stands in for rag-service on the real Redis transport (services never import each other; rag-service's
 * own tenancy spec receives these messages for real): it records what doc-processor hands over.
 */
const received: { processed: any[]; deleted: any[] } = { processed: [], deleted: [] };
@Controller()
class RecordingReceiver {
  @MessagePattern(DOCUMENT_PROCESSED_PATTERN)
  processed(@Payload() payload: any): DocumentIndexedReply {
    received.processed.push(payload);
    return { documentId: payload.documentId, status: 'created', chunks: 1 };
  }

  @MessagePattern(DOCUMENT_DELETED_PATTERN)
  deleted(@Payload() payload: any): DocumentIndexedReply {
    received.deleted.push(payload);
    return { documentId: payload.documentId, status: 'deleted', chunks: 1 };
  }
}

let llm: StartedServer;
let storage: string;
let sut: ServiceInProcess;
let receiver: INestMicroservice;
const keys = { a: '', b: '', local: '' };

async function upload(key: string, bytes: Buffer, clientId: string, path = '/documents') {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), 'statement.pdf');
  form.append('clientId', clientId);
  const response = await fetch(`${sut.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function call(key: string, method: 'GET' | 'DELETE', path: string) {
  const response = await fetch(`${sut.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json');
  return { status: response.status, body: json ? JSON.parse(text) : text, text };
}

async function done(key: string, documentId: string): Promise<any> {
  let view: any;
  await eventually(async () => {
    view = (await call(key, 'GET', `/documents/${documentId}`)).body;
    return view.status === 'done' || view.status === 'failed';
  }, 60_000);
  return view;
}

/** A 404 body with the asked-for id taken out: what a caller could compare between two ids. */
const withoutId = (body: unknown, id: string) => JSON.parse(JSON.stringify(body).split(id).join('<id>'));

beforeAll(async () => {
  storage = await mkdtemp(join(tmpdir(), 'doc-processor-tenancy-'));
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast']);
  const environment = {
    REDIS_URL: redisUrl,
    VLLM_URL: llm.url,
    OLLAMA_URL: llm.url,
    LOG_LEVEL: 'error',
    AUTH_MODE: 'on',
    GENERATION_CONCURRENCY: 'fixed:4',
    DOCUMENT_STORAGE_DIR: storage,
    READER_POOL_SIZE: '1',
    DOCUMENT_VISION: 'false',
    DOCUMENT_LLM: 'false',
    HANDOFF_TIMEOUT_MS: '5000',
  };
  sut = await startServiceInProcess(AppModule.forRoot(environment), environment.REDIS_URL, configureService);
  const moduleRef = await Test.createTestingModule({ controllers: [RecordingReceiver] }).compile();
  receiver = moduleRef.createNestMicroservice({
    transport: Transport.REDIS,
    options: redisOptionsFromUrl(redisUrl),
    logger: false,
  });
  await receiver.listen();
  const redis = new Redis(redisUrl);
  const store = new ApiKeyStore(redis);
  keys.a = (await store.create({ organisation: 'org-a', scopes: ['documents'] })).key;
  keys.b = (await store.create({ organisation: 'org-b', scopes: ['documents'] })).key;
  keys.local = (await store.create({ organisation: LOCAL_ORGANISATION, scopes: ['documents'] })).key;
  redis.disconnect();
});

afterAll(async () => {
  await receiver?.close();
  await sut?.close();
  await llm?.stop();
  await rm(storage, { recursive: true, force: true });
});

describe('tenancy', () => {
  const statement = sampleDocument({ type: 'bank_statement', seed: 21 });
  let aDocument: string;
  let bytes: Buffer;

  beforeAll(async () => {
    bytes = await textPdf(statement.pages);
    const accepted = await upload(keys.a, bytes, 'cl-1');
    expect(accepted.status).toBe(202);
    aDocument = accepted.body.documentId;
    expect((await done(keys.a, aDocument)).status).toBe('done');
  });

  it("answers another organisation's document as missing in every endpoint, with the same body", async () => {
    const unknown = 'doc_00000000000000000000';
    const view = await call(keys.b, 'GET', `/documents/${aDocument}`);
    const markdown = await call(keys.b, 'GET', `/documents/${aDocument}/markdown`);
    const removal = await call(keys.b, 'DELETE', `/documents/${aDocument}`);

    expect(view.status).toBe(404);
    expect(withoutId(view.body, aDocument)).toEqual(
      withoutId((await call(keys.b, 'GET', `/documents/${unknown}`)).body, unknown),
    );
    expect(markdown.status).toBe(404);
    expect(withoutId(markdown.body, aDocument)).toEqual(
      withoutId((await call(keys.b, 'GET', `/documents/${unknown}/markdown`)).body, unknown),
    );
    expect(removal.status).toBe(404);
    expect(withoutId(removal.body, aDocument)).toEqual(
      withoutId((await call(keys.b, 'DELETE', `/documents/${unknown}`)).body, unknown),
    );
    expect(view.text).not.toContain(statement.pages[0][0]);
    // B's delete changed nothing of A's.
    expect((await call(keys.a, 'GET', `/documents/${aDocument}`)).body.status).toBe('done');
    expect((await call(keys.a, 'GET', `/documents/${aDocument}/markdown`)).status).toBe(200);
  });

  it('takes the organisation from the key alone: an upload that names one is refused', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)]), 'statement.pdf');
    form.append('clientId', 'cl-1');
    form.append('organisation', 'org-a');
    const response = await fetch(`${sut.baseUrl}/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.b}` },
      body: form,
    });

    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/organisation/);
  });

  it('reads the same file for the same client id of another organisation as its own document', async () => {
    const fromB = await upload(keys.b, bytes, 'cl-1');
    const fromBAgain = await upload(keys.b, bytes, 'cl-1', '/process');
    const fromAAgain = await upload(keys.a, bytes, 'cl-1');

    expect(fromB).toMatchObject({ status: 202, body: { duplicate: false } });
    expect(fromB.body.documentId).not.toBe(aDocument);
    expect(fromBAgain).toMatchObject({ status: 200, body: { duplicate: true, documentId: fromB.body.documentId } });
    expect(fromAAgain).toMatchObject({ status: 200, body: { duplicate: true, documentId: aDocument } });
    expect((await call(keys.a, 'GET', `/documents/${fromB.body.documentId}`)).status).toBe(404);
  });

  it('hands each document to rag-service with its organisation, and deletes it there under that organisation', async () => {
    const fromB = await upload(keys.b, bytes, 'cl-1');
    await done(keys.b, fromB.body.documentId);
    await eventually(async () => received.processed.some((message) => message.documentId === fromB.body.documentId));
    await eventually(async () => received.processed.some((message) => message.documentId === aDocument));

    const deleted = await call(keys.b, 'DELETE', `/documents/${fromB.body.documentId}`);

    expect(received.processed.find((message) => message.documentId === aDocument)).toMatchObject({
      organisation: 'org-a',
      clientId: 'cl-1',
    });
    expect(received.processed.find((message) => message.documentId === fromB.body.documentId)).toMatchObject({
      organisation: 'org-b',
      clientId: 'cl-1',
    });
    expect(deleted.status).toBe(204);
    expect(received.deleted).toContainEqual({
      documentId: fromB.body.documentId,
      organisation: 'org-b',
      clientId: 'cl-1',
    });
  });

  it("reads a document stored before tenancy (no organisation) as the local organisation's alone", async () => {
    const accepted = await upload(
      keys.a,
      await textPdf(sampleDocument({ type: 'utility_bill', seed: 8 }).pages),
      'cl-2',
    );
    const documentId = accepted.body.documentId as string;
    await done(keys.a, documentId);
    const redis = new Redis(redisUrl);
    // Records are hashes, one field each: a record from before tenancy is one without `organisation`.
    await redis.hdel(`rma:documents:record:${documentId}`, 'organisation');
    redis.disconnect();

    expect((await call(keys.local, 'GET', `/documents/${documentId}`)).status).toBe(200);
    expect((await call(keys.a, 'GET', `/documents/${documentId}`)).status).toBe(404);
  });
});
