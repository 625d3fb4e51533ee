import { configureService } from '@rma/service-core';
import {
  ServiceInProcess,
  StartedServer,
  eventually,
  freePort,
  metricValue,
  request,
  setFaults,
  startLocalLlm,
  startServiceInProcess,
} from '@rma/testing';
import { Redis } from 'ioredis';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from './app.module';
import {
  docxFile,
  encryptedPdf,
  manyPagesPdf,
  multiPageTiff,
  pageImage,
  pixelBombPng,
  scannedPdf,
  textPdf,
  truncated,
  zipBombDocx,
  sampleDocument,
} from '@rma/testing/documents';

// The service in this process against real Redis, real reader child processes (pdf.js, sharp,
// tesseract.js) and a real local-llm on its simulated engine, whose vision answers are filler text that
// never carries the page's numbers: so the vision check must reject them and keep the OCR.
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;

let llm: StartedServer;
let storage: string;
let sut: ServiceInProcess;
let strict: ServiceInProcess;
let llmDown: ServiceInProcess;
let plain: ServiceInProcess;

const env = async (database: number, overrides: Record<string, string> = {}) => ({
  REDIS_URL: `${redisUrl}/${database}`,
  VLLM_URL: llm.url,
  OLLAMA_URL: llm.url,
  LOG_LEVEL: process.env['DEBUG_LOG_LEVEL'] ?? 'error',
  GENERATION_CONCURRENCY: 'fixed:8',
  DOCUMENT_STORAGE_DIR: join(storage, String(database)),
  // 150 dpi keeps OCR at well under a second a page here; the benchmark measures 300.
  OCR_DPI: '150',
  READER_POOL_SIZE: '2',
  LLM_VISION_MODEL: 'llava',
  LLM_RETRY_MAX_ATTEMPTS: '1',
  // local-llm's context is 2,048 tokens: prompt and answer must fit in it.
  VISION_MAX_TOKENS: '512',
  ...overrides,
});
const start = async (database: number, overrides: Record<string, string> = {}) => {
  const environment = await env(database, overrides);
  return startServiceInProcess(AppModule.forRoot(environment), environment.REDIS_URL, configureService);
};

async function upload(
  service: ServiceInProcess,
  file: { name: string; bytes: Buffer } | undefined,
  fields: Record<string, string> = {},
  path = '/documents',
): Promise<{ status: number; body: any }> {
  const form = new FormData();
  if (file) form.append('file', new Blob([new Uint8Array(file.bytes)]), file.name);
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  const response = await fetch(`${service.baseUrl}${path}`, { method: 'POST', body: form });
  return { status: response.status, body: await response.json() };
}

/** Polls a document until it is done or failed. */
async function finished(service: ServiceInProcess, documentId: string, timeoutMs = 60_000): Promise<any> {
  let view: any;
  await eventually(async () => {
    view = (await request('GET', `${service.baseUrl}/documents/${documentId}`)).body;
    return view.status === 'done' || view.status === 'failed';
  }, timeoutMs);
  return view;
}

const statement = sampleDocument({ type: 'bank_statement', seed: 3 });
const debtLetter = sampleDocument({ type: 'debt_collection_letter', seed: 5 });
const councilTax = sampleDocument({ type: 'council_tax_bill', seed: 2 });

beforeAll(async () => {
  storage = await mkdtemp(join(tmpdir(), 'doc-processor-int-'));
  llm = await startLocalLlm([
    '--engine',
    'sim',
    '--profile',
    'fast',
    '--admin',
    '--served-model-name',
    'llama3.2,meta-llama/Llama-3.2-3B-Instruct,llava',
  ]);
  sut = await start(12);
  strict = await start(13, {
    DOCUMENT_UPLOAD_MAX_BYTES: '2000000',
    DOCUMENT_MAX_PAGES: '20',
    PAGE_MAX_PIXELS: '20000000',
    DOCX_MAX_UNCOMPRESSED_BYTES: '2000000',
    PAGE_TIMEOUT_MS: '150',
    DOCUMENT_VISION: 'false',
    DOCUMENT_LLM: 'false',
  });
  plain = await start(15, { DOCUMENT_VISION: 'false', DOCUMENT_LLM: 'false', PROCESS_SYNC_TIMEOUT_MS: '1' });
  const closedPort = await freePort();
  llmDown = await start(14, {
    VLLM_URL: `http://127.0.0.1:${closedPort}`,
    OLLAMA_URL: `http://127.0.0.1:${closedPort}`,
    // A refused connection fails at once; the queue's own retries would only make the test wait.
    GENERATION_ATTEMPTS: '1',
  });
});
afterAll(async () => {
  await Promise.all([sut?.close(), strict?.close(), llmDown?.close(), plain?.close()]);
  await llm?.stop();
  await rm(storage, { recursive: true, force: true });
});

describe('doc-processor', () => {
  it('reads a statement PDF from its text layer, classifies it, and finds its balances add up', async () => {
    const accepted = await upload(sut, { name: 'statement.pdf', bytes: await textPdf(statement.pages) });

    const view = await finished(sut, accepted.body.documentId);
    const markdown = await request('GET', `${sut.baseUrl}/documents/${accepted.body.documentId}/markdown`);

    expect(accepted).toMatchObject({
      status: 202,
      body: { status: 'queued', kind: 'pdf', pageCount: statement.pages.length },
    });
    expect(view.status).toBe('done');
    expect(view.pages.map((page: any) => page.method)).toEqual(statement.pages.map(() => 'text-layer'));
    expect(view.result.documentType).toBe('bank_statement');
    expect(view.result.classification.rules.type).toBe('bank_statement');
    expect(view.result.facts.openingBalance).toBe(statement.expected.facts['openingBalance']);
    expect(view.result.facts.closingBalance).toBe(statement.expected.facts['closingBalance']);
    expect(view.result.warnings.filter((warning: string) => /balance/i.test(warning))).toEqual([]);
    expect(markdown.status).toBe(200);
    expect(markdown.body).toContain('<!-- page 1 -->');
    expect(markdown.body).toMatch(/\|.*\|/); // the transactions as a markdown table
  });

  it('reads a scanned letter by OCR, keeps the OCR over a vision answer that lacks its numbers, and says why', async () => {
    const accepted = await upload(sut, {
      name: 'letter.pdf',
      bytes: await scannedPdf(debtLetter.pages, { noise: 0.01, skewDegrees: 0.8, dpi: 150 }),
    });

    const view = await finished(sut, accepted.body.documentId);

    expect(view.status).toBe('done');
    const [page] = view.pages;
    expect(page.method).toBe('ocr');
    expect(page.confidence).toBeGreaterThan(0.6);
    expect(page.warnings.join(' ')).toMatch(/text layer not used/);
    expect(page.warnings.join(' ')).toMatch(/vision answer rejected, OCR kept/);
    expect(view.result.documentType).toBe('debt_collection_letter');
    expect(view.result.classification.llm).not.toBeNull();
    expect(['rules', 'llm', 'both']).toContain(view.result.classification.decidedBy);
    expect(view.result.priority.level).toBe(debtLetter.expected.priority);
    // The parsers found no arrears; the simulated chat model invents some, and the fact check flags them.
    expect(view.result.factsFromLlm).toContain('arrears');
    expect(view.result.warnings).toContain(
      `The amount £${view.result.facts.arrears.toLocaleString('en-GB', { minimumFractionDigits: 2 })} does not appear in the document.`,
    );
  });

  describe('the vision model', () => {
    // local-llm's scripted-answer fault stands in for a vision model's answer (a fake: its engines ignore
    // images, and no real server loops on demand). It hits one request: a one-page scan's first generation
    // is its vision call, the chat model's classification comes after the pages are read.
    const page = councilTax.pages[0];
    afterEach(() => setFaults(llm.url, []));

    it('keeps the vision answer when it agrees with the OCR, and sends it the page image', async () => {
      const imagesBefore = await metricValue(llm.url, 'local_llm_images_total', 'api="ollama"');
      await setFaults(llm.url, [{ kind: 'scripted-answer', text: page.join('\n'), count: 1 }]);

      const accepted = await upload(sut, { name: 'bill.pdf', bytes: await scannedPdf([page], { dpi: 150 }) });
      const view = await finished(sut, accepted.body.documentId);
      const markdown = await request('GET', `${sut.baseUrl}/documents/${accepted.body.documentId}/markdown`);

      expect(view.pages[0]).toMatchObject({ status: 'done', method: 'vision', visionMs: expect.any(Number) });
      expect(view.pages[0].warnings.join(' ')).toMatch(/read by the vision model; checked against the OCR/);
      expect(markdown.body).toContain(page[0]);
      // The page image went to the vision backend (Ollama's API by default), as Ollama takes images.
      expect(await metricValue(llm.url, 'local_llm_images_total', 'api="ollama"')).toBe(imagesBefore + 1);
    });

    it('rejects a vision answer stuck in a loop and keeps the OCR, saying why', async () => {
      await setFaults(llm.url, [{ kind: 'scripted-answer', text: `${page[0]}\n`, repeat: 400, count: 1 }]);

      const accepted = await upload(sut, {
        name: 'bill-2.pdf',
        bytes: await scannedPdf([page], { dpi: 150, noise: 0.002 }),
      });
      const view = await finished(sut, accepted.body.documentId);

      expect(view.pages[0]).toMatchObject({ status: 'done', method: 'ocr' });
      expect(view.pages[0].warnings.join(' ')).toMatch(/vision answer rejected, OCR kept: .*repeat/i);
    });
  });

  it('reads PNG, JPEG, WebP, multi-page TIFF and DOCX by their bytes, whatever their names say', async () => {
    const lines = councilTax.pages[0];
    const files = [
      { name: 'scan.pdf', bytes: await pageImage(lines, { format: 'png', dpi: 150 }), kind: 'png', method: 'ocr' },
      { name: 'photo.png', bytes: await pageImage(lines, { format: 'jpeg', dpi: 150 }), kind: 'jpeg', method: 'ocr' },
      { name: 'image', bytes: await pageImage(lines, { format: 'webp', dpi: 150 }), kind: 'webp', method: 'ocr' },
      {
        name: 'fax.tif',
        bytes: await multiPageTiff([lines, ['Page two of the fax', 'Amount due £12.50']]),
        kind: 'tiff',
        method: 'ocr',
      },
      {
        name: 'bill.txt',
        bytes: await docxFile({
          heading: 'Council Tax Bill',
          paragraphs: lines,
          table: [
            ['Band', 'Amount'],
            ['C', '£1,634.00'],
          ],
        }),
        kind: 'docx',
        method: 'docx',
      },
    ];

    const accepted = await Promise.all(files.map((file) => upload(plain, file)));
    expect(accepted.map((answer) => [answer.status, answer.body.kind])).toEqual(files.map((file) => [202, file.kind]));
    const views = await Promise.all(accepted.map((answer) => finished(plain, answer.body.documentId)));

    for (const [index, file] of files.entries()) {
      expect({ name: file.name, status: views[index].status, method: views[index].pages[0].method }).toEqual({
        name: file.name,
        status: 'done',
        method: file.method,
      });
    }
    expect(views[3].pageCount).toBe(2);
    const docx = await request('GET', `${plain.baseUrl}/documents/${views[4].documentId}/markdown`);
    expect(docx.body).toContain('# Council Tax Bill');
    expect(docx.body).toMatch(/\| *C *\| *£1,634\.00 *\|/);
  });

  it('answers POST /process with the result and markdown, and with 202 when the wait runs out', async () => {
    const waited = await upload(sut, { name: 'bill.pdf', bytes: await textPdf(councilTax.pages) }, {}, '/process');
    // Two pages of OCR cannot finish within plain's 1 ms wait.
    const scan = await scannedPdf([councilTax.pages[0], debtLetter.pages[0]], { dpi: 150 });
    const hurried = await upload(plain, { name: 'scan.pdf', bytes: scan }, {}, '/process');

    expect(waited.status).toBe(200);
    expect(waited.body).toMatchObject({ status: 'done', result: { documentType: 'council_tax_bill' } });
    expect(waited.body.markdown).toContain('<!-- page 1 -->');
    expect(hurried.status).toBe(202);
    expect(hurried.body).toMatchObject({
      status: expect.stringMatching(/queued|processing/),
      documentId: expect.any(String),
    });
    expect((await finished(plain, hurried.body.documentId)).status).toBe('done');
  });

  it('returns the first document for the same file from the same client, and reads it again for another', async () => {
    const bytes = await textPdf(debtLetter.pages);

    const first = await upload(sut, { name: 'a.pdf', bytes }, { clientId: 'client-7' });
    const again = await upload(sut, { name: 'b.pdf', bytes }, { clientId: 'client-7' });
    const otherClient = await upload(sut, { name: 'a.pdf', bytes }, { clientId: 'client-8' });

    expect(first).toMatchObject({ status: 202, body: { duplicate: false } });
    expect(again).toMatchObject({ status: 200, body: { duplicate: true, documentId: first.body.documentId } });
    expect(otherClient.status).toBe(202);
    expect(otherClient.body.documentId).not.toBe(first.body.documentId);
  });

  it('refuses bad input with a 4xx that says what to change, and stores nothing of it', async () => {
    const cases: Array<[string, { name: string; bytes: Buffer } | undefined, Record<string, string>, number, RegExp]> =
      [
        ['no file', undefined, {}, 400, /multipart form field named `file`/],
        ['zero bytes', { name: 'empty.pdf', bytes: Buffer.alloc(0) }, {}, 400, /empty/],
        [
          'plain text',
          { name: 'notes.pdf', bytes: Buffer.from('Dear adviser, here are my debts.') },
          {},
          415,
          /PDF|PNG|JPEG/,
        ],
        ['truncated PDF', { name: 'cut.pdf', bytes: truncated(await textPdf(statement.pages), 0.4) }, {}, 422, /./],
        ['encrypted PDF', { name: 'locked.pdf', bytes: encryptedPdf() }, {}, 422, /password/],
        ['pixel bomb', { name: 'huge.png', bytes: pixelBombPng(60_000, 60_000) }, {}, 422, /pixel/],
        ['zip bomb', { name: 'bomb.docx', bytes: zipBombDocx(8 * 1024 * 1024) }, {}, 422, /./],
        ['10,000 pages', { name: 'long.pdf', bytes: manyPagesPdf(10_000) }, {}, 422, /pages/],
        ['too large', { name: 'big.png', bytes: Buffer.alloc(2_500_000, 1) }, {}, 413, /large/i],
        ['bad clientId', { name: 'a.pdf', bytes: Buffer.from('%PDF-1.4') }, { clientId: 'a b/c' }, 400, /clientId/],
        [
          'bad hint',
          { name: 'a.pdf', bytes: Buffer.from('%PDF-1.4') },
          { hint: 'shopping_list' },
          400,
          /hint must be one of/,
        ],
        ['unknown field', { name: 'a.pdf', bytes: Buffer.from('%PDF-1.4') }, { owner: 'x' }, 400, /owner/],
      ];

    const redis = new Redis(`${redisUrl}/13`);
    const recordsBefore = (await redis.keys('rma:documents:record:*')).length;
    const foldersBefore = readdirSync(join(storage, '13')).length;

    const answers = [];
    for (const [label, file, fields] of cases) answers.push({ label, ...(await upload(strict, file, fields)) });

    for (const [index, [label, , , status, message]] of cases.entries()) {
      const answer = answers[index];
      expect({ label, status: answer.status }).toEqual({ label, status });
      expect(JSON.stringify(answer.body.message)).toMatch(message);
    }
    expect(answers.find((answer) => answer.label === 'encrypted PDF')?.body.code).toBe('needs_password');
    expect(answers.find((answer) => answer.label === 'zip bomb')?.body.code).toBe('archive_too_large');
    expect(answers.find((answer) => answer.label === '10,000 pages')?.body.code).toBe('too_many_pages');
    expect((await redis.keys('rma:documents:record:*')).length).toBe(recordsBefore);
    expect(readdirSync(join(storage, '13')).length).toBe(foldersBefore);
    redis.disconnect();
  });

  it('fails a page that runs out of time with the reason, and the whole document says no page could be read', async () => {
    const accepted = await upload(strict, {
      name: 'slow.pdf',
      bytes: await scannedPdf([debtLetter.pages[0]], { dpi: 150 }),
    });

    const view = await finished(strict, accepted.body.documentId);

    expect(view.status).toBe('failed');
    expect(view.pages[0]).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
    expect(view.error).toMatchObject({ code: 'timeout', message: expect.stringContaining('no page could be read') });
  });

  it('decides by the rules alone when the chat and vision models are down, and says so', async () => {
    const accepted = await upload(llmDown, {
      name: 'letter.pdf',
      bytes: await scannedPdf(debtLetter.pages, { dpi: 150 }),
    });

    const view = await finished(llmDown, accepted.body.documentId);

    expect(view.status).toBe('done');
    expect(view.pages[0].method).toBe('ocr');
    expect(view.pages[0].warnings.join(' ')).toMatch(/vision model unavailable, OCR kept/);
    expect(view.result.classification).toMatchObject({ decidedBy: 'rules', llm: null, type: 'debt_collection_letter' });
    expect(view.result.warnings.join(' ')).toMatch(
      /chat model gave no usable type \(unavailable: .*\); the rules decided the type alone/,
    );
  });

  it('deletes the file, pages, markdown and result, and then knows nothing of the document', async () => {
    const accepted = await upload(sut, {
      name: 'bill.pdf',
      bytes: await textPdf(sampleDocument({ type: 'utility_bill', seed: 4 }).pages),
    });
    await finished(sut, accepted.body.documentId);
    const folder = join(storage, '12', accepted.body.documentId);
    expect(existsSync(folder)).toBe(true);

    const deleted = await request('DELETE', `${sut.baseUrl}/documents/${accepted.body.documentId}`);

    expect(deleted.status).toBe(204);
    expect((await request('GET', `${sut.baseUrl}/documents/${accepted.body.documentId}`)).status).toBe(404);
    expect((await request('GET', `${sut.baseUrl}/documents/${accepted.body.documentId}/markdown`)).status).toBe(404);
    expect(existsSync(folder)).toBe(false);
    const redis = new Redis(`${redisUrl}/12`);
    expect(await redis.keys(`rma:documents:*${accepted.body.documentId}*`)).toEqual([]);
    redis.disconnect();
    expect((await request('DELETE', `${sut.baseUrl}/documents/${accepted.body.documentId}`)).status).toBe(404);
  });

  it('reports the OCR pool in readiness and counts pages by method in its metrics', async () => {
    const ready = await request('GET', `${sut.baseUrl}/health/ready`);
    const metrics = await (await fetch(`${sut.baseUrl}/metrics`)).text();

    expect(ready.body.info?.ocr ?? ready.body.details?.ocr).toMatchObject({ status: 'up' });
    expect(metrics).toMatch(/documents_pages_total\{method="text-layer"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/documents_pages_total\{method="ocr"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/documents_classifications_total\{type="bank_statement"/);
  });
});
