import { StartedServer, eventually, freePort, startLocalLlm } from '@rma/testing';
import { randomUUID } from 'node:crypto';
import { pdfOf } from './pdf-fixture';
import { ServiceProcess, startServiceProcess, waitUntilHealthy } from './service-process';

// The built rag-service as its own process, with its default MANUALS_DIR (the sample manuals copied
// into the build), real Redis and Chroma, and a local-llm on its simulated engine.
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;
const chromaUrl = process.env['RMA_TEST_CHROMA_URL'] as string;

let llm: StartedServer;
let sut: ServiceProcess;
let baseUrl: string;

async function upload(name: string, content: Buffer): Promise<{ status: number; body: any }> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(content)]), name);
  const response = await fetch(`${baseUrl}/documents`, { method: 'POST', body: form });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast']);
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  sut = startServiceProcess('rag-service', {
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: `${redisUrl}/3`,
    CHROMA_URL: chromaUrl,
    CHROMA_COLLECTION: `e2e-${randomUUID().slice(0, 8)}`,
    VLLM_URL: llm.url,
    OLLAMA_URL: llm.url,
  });
  await waitUntilHealthy(`${baseUrl}/health/ready`, sut);
});
afterAll(async () => {
  sut?.child.kill('SIGTERM');
  await sut?.exited;
  await llm?.stop();
});

describe('rag-service over HTTP', () => {
  it('loads the sample manuals at start and answers the README question with sources', async () => {
    await eventually(async () => {
      const list = (await (await fetch(`${baseUrl}/documents`)).json()) as { total: number };
      return list.total === 5;
    }, 30_000);

    const response = await fetch(`${baseUrl}/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'Who can get a DRO? Their qualifying debts are £50,000 or less.' }),
    });

    expect(response.status).toBe(200);
    const body = (await response.json()) as { answer: string; sources: Array<{ title: string; chunk: string }> };
    expect(body.answer.length).toBeGreaterThan(0);
    expect(body.sources[0].title).toBe('Debt Relief Orders');
    expect(body.sources[0].chunk).toContain('£50,000');
    expect(sut.output()).toMatch(/Manuals loaded folder=\S+assets\/manuals files=5 failed=0/);
  });

  it('reads the text layer of an uploaded PDF', async () => {
    const created = await upload(
      'court-fees.pdf',
      pdfOf(['Court fees', 'A creditor petition costs more than £5,000 of debt.']),
    );

    expect(created).toMatchObject({ status: 201, body: { status: 'created', title: 'court-fees' } });
    const document = (await (await fetch(`${baseUrl}/documents/${created.body.documentId}`)).json()) as {
      chunkTexts: Array<{ text: string }>;
    };
    expect(document.chunkTexts.map((chunk) => chunk.text).join(' ')).toContain(
      'creditor petition costs more than £5,000',
    );
  });

  it('refuses a PDF without a text layer, and a corrupt one, with a 422 that says what to do', async () => {
    const scan = await upload('scan.pdf', pdfOf([null]));
    const corrupt = await upload('broken.pdf', Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(200, 7)]));

    expect(scan).toMatchObject({
      status: 422,
      body: { code: 'no_text_layer', message: expect.stringContaining('doc-processor') },
    });
    expect(corrupt).toMatchObject({ status: 422, body: { code: 'unreadable_file' } });
  });
});
