import { StartedServer, eventually, freePort, startLocalLlm } from '@rma/testing';
import { sampleDocument, scannedPdf } from '@rma/testing/documents';
import { Redis } from 'ioredis';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceProcess, startServiceProcess, waitUntilHealthy } from './service-process';

// The built doc-processor and rag-service as their own processes over HTTP, real Redis and Chroma, and
// a local-llm on its simulated engine: a client's scanned letter goes in, comes out as markdown with its
// type and facts, is handed over Redis to rag-service and answers questions there, and is gone from
// both when deleted.
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;
const chromaUrl = process.env['RMA_TEST_CHROMA_URL'] as string;
const letter = sampleDocument({ type: 'debt_collection_letter', seed: 11 });
const clientId = `e2e-${randomUUID().slice(0, 8)}`;

let llm: StartedServer;
let storage: string;
let rag: ServiceProcess;
let docs: ServiceProcess;
let ragUrl: string;
let docsUrl: string;

async function upload(
  baseUrl: string,
  bytes: Buffer,
  fields: Record<string, string>,
): Promise<{ status: number; body: any }> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), 'letter.pdf');
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  const response = await fetch(`${baseUrl}/documents`, { method: 'POST', body: form });
  return { status: response.status, body: await response.json() };
}

async function documentView(baseUrl: string, documentId: string): Promise<any> {
  return (await fetch(`${baseUrl}/documents/${documentId}`)).json();
}

/** The status the stopped service left in Redis, read while no service is running. */
async function documentViewFromRedis(documentId: string): Promise<string | undefined> {
  const redis = new Redis(`${redisUrl}/6`);
  try {
    // The record is a hash, one field each (doc-processor's DocumentStore).
    return (await redis.hget(`rma:documents:record:${documentId}`, 'status')) ?? undefined;
  } finally {
    redis.disconnect();
  }
}

async function ask(question: string, extra: Record<string, unknown> = {}): Promise<any> {
  const response = await fetch(`${ragUrl}/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question, ...extra }),
  });
  expect(response.status).toBe(200);
  return response.json();
}

const docsEnv = (port: number, redis: string, extra: Record<string, string> = {}) => ({
  PORT: String(port),
  HOST: '127.0.0.1',
  REDIS_URL: redis,
  VLLM_URL: llm.url,
  OLLAMA_URL: llm.url,
  DOCUMENT_STORAGE_DIR: join(storage, String(port)),
  OCR_DPI: '150',
  VISION_MAX_TOKENS: '256',
  // Verbose: the privacy check below reads everything the service logs.
  LOG_LEVEL: 'verbose',
  ...extra,
});

beforeAll(async () => {
  storage = await mkdtemp(join(tmpdir(), 'doc-processor-e2e-'));
  llm = await startLocalLlm([
    '--engine',
    'sim',
    '--profile',
    'fast',
    '--served-model-name',
    'llama3.2,meta-llama/Llama-3.2-3B-Instruct,llava',
  ]);
  const [ragPort, docsPort] = [await freePort(), await freePort()];
  ragUrl = `http://127.0.0.1:${ragPort}`;
  docsUrl = `http://127.0.0.1:${docsPort}`;
  rag = startServiceProcess('rag-service', {
    PORT: String(ragPort),
    HOST: '127.0.0.1',
    REDIS_URL: `${redisUrl}/4`,
    CHROMA_URL: chromaUrl,
    CHROMA_COLLECTION: `e2e-${randomUUID().slice(0, 8)}`,
    VLLM_URL: llm.url,
    OLLAMA_URL: llm.url,
    MANUALS_DIR: 'off',
  });
  docs = startServiceProcess('doc-processor', docsEnv(docsPort, `${redisUrl}/5`));
  await Promise.all([
    waitUntilHealthy(`${ragUrl}/health/ready`, rag),
    waitUntilHealthy(`${docsUrl}/health/ready`, docs),
  ]);
});
afterAll(async () => {
  for (const service of [docs, rag]) service?.child.kill('SIGTERM');
  await Promise.all([docs?.exited, rag?.exited]);
  await llm?.stop();
  await rm(storage, { recursive: true, force: true });
});

describe('doc-processor over HTTP', () => {
  let documentId: string;

  it("reads a client's scanned letter into markdown with its type and facts, and hands it to rag-service", async () => {
    const accepted = await upload(
      docsUrl,
      await scannedPdf(letter.pages, { noise: 0.005, skewDegrees: 0.5, dpi: 200 }),
      {
        clientId,
      },
    );
    documentId = accepted.body.documentId;

    let view: any;
    await eventually(async () => {
      view = await documentView(docsUrl, documentId);
      return view.status === 'failed' || view.handoff?.status === 'done';
    }, 60_000);
    const markdown = await (await fetch(`${docsUrl}/documents/${documentId}/markdown`)).text();

    expect(accepted.status).toBe(202);
    expect(view).toMatchObject({ status: 'done', handoff: { status: 'done', indexed: { status: 'created' } } });
    expect(view.pages.map((page: any) => page.method)).toEqual(letter.pages.map(() => 'ocr'));
    expect(view.result.documentType).toBe('debt_collection_letter');
    expect(view.result.facts.balance).toBe(Number(letter.expected.amounts[0]));
    expect(view.result.facts.reference).toBe(letter.expected.facts['reference']);
    expect(markdown).toContain('<!-- page 1 -->');
    expect(markdown).toContain(String(letter.expected.facts['reference']));
  });

  it("answers a question with that client's id from the document, and without it from nothing of the client's", async () => {
    const question = `What does the letter with reference ${letter.expected.facts['reference']} say about the amount owed?`;

    const withClient = await ask(question, { clientId });
    const withoutClient = await ask(question);

    expect(withClient.sources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ documentId, collection: 'client', documentType: 'debt_collection_letter' }),
      ]),
    );
    expect(withoutClient.sources.filter((source: any) => source.collection === 'client')).toEqual([]);
  });

  it('deletes the document from doc-processor and from rag-service', async () => {
    const deleted = await fetch(`${docsUrl}/documents/${documentId}`, { method: 'DELETE' });

    const after = await ask('What does the letter say about the amount owed?', { clientId });

    expect(deleted.status).toBe(204);
    expect((await fetch(`${docsUrl}/documents/${documentId}`)).status).toBe(404);
    expect(after.sources.filter((source: any) => source.documentId === documentId)).toEqual([]);
  });

  it("never logs a document's text, names, amounts or references", () => {
    const output = docs.output();
    expect(output).toContain(`Document accepted documentId=${documentId}`);
    for (const secret of [
      String(letter.expected.facts['reference']),
      String(letter.expected.facts['creditor']),
      letter.expected.amounts[0],
      Number(letter.expected.amounts[0]).toLocaleString('en-GB', { minimumFractionDigits: 2 }),
      letter.pages[0].find((line) => line.startsWith('Dear')) ?? 'Dear',
    ]) {
      expect({ secret, logged: output.includes(secret) }).toEqual({ secret, logged: false });
    }
  });

  it('finishes, after a restart, a document whose reading was cut short by a SIGTERM', async () => {
    const port = await freePort();
    const env = docsEnv(port, `${redisUrl}/6`, { DOCUMENT_VISION: 'false', DOCUMENT_LLM: 'false' });
    const first = startServiceProcess('doc-processor', env);
    const url = `http://127.0.0.1:${port}`;
    await waitUntilHealthy(`${url}/health`, first);
    const accepted = await upload(url, await scannedPdf(letter.pages, { dpi: 150 }), {});

    first.child.kill('SIGTERM');
    const stopped = await first.exited;
    const cutShort = await documentViewFromRedis(accepted.body.documentId);
    const second = startServiceProcess('doc-processor', env);
    try {
      await waitUntilHealthy(`${url}/health`, second);
      let view: any;
      await eventually(async () => {
        view = await documentView(url, accepted.body.documentId);
        return view.status === 'done' || view.status === 'failed';
      }, 60_000);

      expect(accepted.status).toBe(202);
      expect(stopped).toEqual({ code: 0, signal: null });
      expect(cutShort).not.toBe('done');
      expect(view.status).toBe('done');
      expect(view.pages.map((page: any) => page.status)).toEqual(letter.pages.map(() => 'done'));
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('shows a hand-off that rag-service never acknowledged as failed after its attempts, the document still done', async () => {
    // A Redis server of its own: no rag-service listens there, so no reply can come.
    const port = await freePort();
    const lonelyRedis: ChildProcess = spawn(
      'redis-server',
      ['--port', String(port), '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const lonelyPort = await freePort();
    const lonely = startServiceProcess(
      'doc-processor',
      docsEnv(lonelyPort, `redis://127.0.0.1:${port}`, {
        HANDOFF_ATTEMPTS: '2',
        HANDOFF_TIMEOUT_MS: '500',
        DOCUMENT_VISION: 'false',
        DOCUMENT_LLM: 'false',
      }),
    );
    try {
      const lonelyUrl = `http://127.0.0.1:${lonelyPort}`;
      await waitUntilHealthy(`${lonelyUrl}/health`, lonely);
      const accepted = await upload(lonelyUrl, await scannedPdf([letter.pages[0]], { dpi: 150 }), { clientId });

      let view: any;
      await eventually(async () => {
        view = await documentView(lonelyUrl, accepted.body.documentId);
        return view.handoff?.status === 'failed';
      }, 30_000);

      expect(view).toMatchObject({
        status: 'done',
        handoff: { status: 'failed', attempts: 2, lastError: expect.stringMatching(/timeout/i) },
      });
    } finally {
      lonely.child.kill('SIGTERM');
      await lonely.exited;
      lonelyRedis.kill('SIGTERM');
    }
  });
});
