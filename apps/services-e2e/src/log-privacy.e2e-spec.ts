import { API_SCOPES, ApiKeyStore } from '@rma/service-core';
import { StartedServer, freePort, setFaults, startLocalLlm } from '@rma/testing';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pdfOf } from './pdf-fixture';
import { ServiceProcess, startServiceProcess, waitUntilHealthy } from './service-process';

// Every endpoint of every service, at verbose level with AUTH_MODE=on, with known personal data and a
// real API key in the requests (good ones, refused ones, malformed ones, ones whose generation fails, and
// every route of each OpenAPI document with canaries in its body and path); then every line the
// processes printed, and every error body and error event they answered, is searched for them. The
// generation worker runs the services' generations (notes-service and rag-service host no workers), so
// its lines count too.
const redisUrl = `${process.env['RMA_TEST_REDIS_URL'] as string}/11`;
const chromaUrl = process.env['RMA_TEST_CHROMA_URL'] as string;

/** One invented word per kind of personal data: none occurs in code, manuals or the simulated engine's text. */
const CANARY = {
  clientName: 'Quillfeather',
  adviserName: 'Farrington',
  note: 'Zanzibarre',
  question: 'Pemberwick',
  creditor: 'Ravensmoor',
  documentText: 'Thistlewick',
  uploadedFileText: 'Marrowvale',
};
/** A well-formed key that no store holds: refused, and never to be repeated either. */
const UNKNOWN_KEY = `rma_0123456789ab_${'Unkn0wnK3yCanary'.padEnd(43, 'x')}`;
/** The real key (created in beforeAll, every scope) and its secret, the part that must never be printed. */
let apiKey: { key: string; keyId: string; secret: string };
const NOTES =
  `Cl ${CANARY.clientName} rang 3/11 re ${CANARY.note} Credit Union loan £2,345.67 and ${CANARY.creditor} ` +
  'Water arrears £318. Agreed: cl sends bank statements by 9 Dec.';

let llm: StartedServer;
let storage: string;
const processes: Record<string, ServiceProcess> = {};
const urls: Record<string, string> = {};
/** Error bodies (status >= 400) and error events, by request. */
const errorAnswers: Array<{ request: string; status: number; body: string }> = [];

async function send(
  service: string,
  method: string,
  path: string,
  body?: unknown | FormData | string,
  authorization = `Bearer ${apiKey.key}`,
) {
  const headers: Record<string, string> = { authorization };
  let payload: string | FormData | undefined;
  if (body instanceof FormData) payload = body;
  else if (typeof body === 'string') [payload, headers['content-type']] = [body, 'application/json'];
  else if (body !== undefined) [payload, headers['content-type']] = [JSON.stringify(body), 'application/json'];
  const response = await fetch(`${urls[service]}${path}`, { method, headers, body: payload });
  const text = await response.text();
  const request = `${service} ${method} ${path}`;
  if (response.status >= 400) errorAnswers.push({ request, status: response.status, body: text });
  // A stream's failure comes as an `error` event in a 200.
  for (const event of text.split('\n\n').filter((block) => block.startsWith('event: error'))) {
    errorAnswers.push({ request, status: response.status, body: event });
  }
  return { status: response.status, text };
}

function upload(fields: Record<string, string>, file: { bytes: Buffer; name: string }): FormData {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(file.bytes)]), file.name);
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  return form;
}

async function start(name: string, extra: Record<string, string>): Promise<void> {
  const port = await freePort();
  urls[name] = `http://127.0.0.1:${port}`;
  processes[name] = startServiceProcess(name, {
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: redisUrl,
    VLLM_URL: llm.url,
    OLLAMA_URL: llm.url,
    LOG_LEVEL: 'verbose',
    AUTH_MODE: 'on',
    GENERATION_ATTEMPTS: '1',
    LLM_RETRY_MAX_ATTEMPTS: '1',
    ...extra,
  });
  await waitUntilHealthy(`${urls[name]}/health`, processes[name] as ServiceProcess);
}

beforeAll(async () => {
  storage = await mkdtemp(join(tmpdir(), 'log-privacy-e2e-'));
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--admin']);
  const redis = new Redis(redisUrl);
  try {
    await redis.flushdb();
    const { key, record } = await new ApiKeyStore(redis).create({ organisation: 'privacy-e2e', scopes: API_SCOPES });
    apiKey = { key, keyId: record.keyId, secret: key.slice(`rma_${record.keyId}_`.length) };
  } finally {
    redis.disconnect();
  }
  await start('generation-worker', {});
  const noWorkers = { GENERATION_WORKERS: 'false' };
  await Promise.all([
    start('notes-service', noWorkers),
    start('rag-service', {
      ...noWorkers,
      CHROMA_URL: chromaUrl,
      CHROMA_COLLECTION: `e2e-privacy-${randomUUID().slice(0, 8)}`,
      MANUALS_DIR: 'off',
    }),
    start('doc-processor', { DOCUMENT_STORAGE_DIR: storage, VISION_MAX_TOKENS: '64' }),
  ]);
});
afterAll(async () => {
  for (const sut of Object.values(processes)) sut.child.kill('SIGTERM');
  await Promise.all(Object.values(processes).map((sut) => sut.exited));
  await llm?.stop();
  await rm(storage, { recursive: true, force: true });
});

/** Every failed generation job in Redis (its hash whole) and every failed run outcome, as stored. */
async function storedFailures(): Promise<Array<{ key: string; reason: string; stored: string }>> {
  const redis = new Redis(redisUrl);
  try {
    const failures: Array<{ key: string; reason: string; stored: string }> = [];
    for (const key of await redis.keys('*')) {
      const type = await redis.type(key);
      if (type === 'hash') {
        const fields = await redis.hgetall(key);
        if (fields['failedReason'] !== undefined) {
          failures.push({ key, reason: fields['failedReason'], stored: JSON.stringify(fields) });
        }
      } else if (type === 'string') {
        const value = (await redis.get(key)) ?? '';
        if (value.includes('"ok":false')) failures.push({ key, reason: JSON.parse(value).failure, stored: value });
      }
    }
    return failures;
  } finally {
    redis.disconnect();
  }
}

describe('personal data and keys in logs and error bodies', () => {
  it('reach no log line and no error body, for any endpoint, at verbose level', async () => {
    const letter = { notes: NOTES, clientName: `Ms ${CANARY.clientName}`, adviserName: CANARY.adviserName };
    const malformed = `{"notes": "${NOTES}", "clientName": ${CANARY.clientName}}`;
    const statuses: Record<string, number> = {};
    const record = async (label: string, answer: Promise<{ status: number }>) => {
      statuses[label] = (await answer).status;
    };

    // notes-service
    await record('letter', send('notes-service', 'POST', '/letters', letter));
    await record('letter stream', send('notes-service', 'POST', '/letters/stream', letter));
    await record(
      'letter batch',
      send('notes-service', 'POST', '/letters/batch', { items: [letter, { notes: NOTES }] }),
    );
    await record(
      'letter unknown field',
      send('notes-service', 'POST', '/letters', { ...letter, nickname: CANARY.clientName }),
    );
    // A key that reads like pasted text: its 400 describes it without repeating it.
    await record(
      'letter pasted key',
      send('notes-service', 'POST', '/letters', { ...letter, [`Ms ${CANARY.clientName} rang`]: 'x' }),
    );
    await record('letter wrong type', send('notes-service', 'POST', '/letters', { notes: NOTES, clientName: 7 }));
    await record('letter malformed', send('notes-service', 'POST', '/letters', malformed));
    await record(
      'letter too long',
      send('notes-service', 'POST', '/letters', { ...letter, notes: NOTES.repeat(2000) }),
    );
    await setFaults(llm.url, [{ kind: 'status', status: 503, count: 10 }]);
    await record('letter llm down', send('notes-service', 'POST', '/letters', letter));
    await record('letter stream llm down', send('notes-service', 'POST', '/letters/stream', letter));
    await setFaults(llm.url, [{ kind: 'malformed', afterTokens: 3, count: 10 }]);
    await record('letter llm malformed', send('notes-service', 'POST', '/letters', letter));
    await setFaults(llm.url, []);

    // rag-service: manuals, questions, eligibility
    const manual = {
      title: 'Priority debts',
      source: 'manuals/priority.md',
      text: `# Priority debts\n\nWater arrears such as ${CANARY.documentText} are not priority debts.`,
    };
    await record('manual', send('rag-service', 'POST', '/documents', manual));
    const manualFile = upload(
      {},
      { bytes: Buffer.from(`# Fuel\n\n${CANARY.uploadedFileText} fuel debts.`), name: 'fuel.md' },
    );
    const uploaded = await send('rag-service', 'POST', '/documents', manualFile);
    statuses['manual file'] = uploaded.status;
    const documentId = (JSON.parse(uploaded.text) as { documentId: string }).documentId;
    await record('manual list', send('rag-service', 'GET', '/documents'));
    await record('manual get', send('rag-service', 'GET', `/documents/${documentId}`));
    await record(
      'manual bad metadata',
      send('rag-service', 'POST', '/documents', { ...manual, metadata: `{${CANARY.documentText}` }),
    );
    await record('manual missing', send('rag-service', 'GET', `/documents/${CANARY.clientName}`));
    await record('manual job missing', send('rag-service', 'GET', `/documents/jobs/${CANARY.clientName}`));
    await record(
      'manual bad file',
      send(
        'rag-service',
        'POST',
        '/documents',
        upload({}, { bytes: Buffer.from(`\u0000${CANARY.uploadedFileText}`), name: `${CANARY.clientName}.exe` }),
      ),
    );
    await record('manual delete', send('rag-service', 'DELETE', `/documents/${documentId}`));
    const question = { question: `Can ${CANARY.clientName} stop ${CANARY.question} water arrears?` };
    await record('ask', send('rag-service', 'POST', '/ask', question));
    await record('ask stream', send('rag-service', 'POST', '/ask/stream', question));
    await record('ask agentic', send('rag-service', 'POST', '/ask/agentic', question));
    await record('ask batch', send('rag-service', 'POST', '/ask/batch', { questions: [question, { question: '' }] }));
    await record('ask batch missing', send('rag-service', 'GET', `/ask/batch/${CANARY.question}`));
    await record(
      'ask bad client id',
      send('rag-service', 'POST', '/ask', { ...question, clientId: `Ms ${CANARY.clientName}` }),
    );
    await record('ask bad topK', send('rag-service', 'POST', '/ask', { ...question, topK: CANARY.question }));
    await record('ask malformed', send('rag-service', 'POST', '/ask', `{"question": ${CANARY.question}}`));
    await setFaults(llm.url, [{ kind: 'status', status: 503, count: 10 }]);
    await record('ask llm down', send('rag-service', 'POST', '/ask', question));
    await setFaults(llm.url, []);
    const facts = {
      region: 'england',
      debts: [{ creditor: CANARY.creditor, amount: 4200, type: 'credit_card', secured: false }],
      monthlyIncome: 1200,
      monthlyExpenses: 1150,
    };
    await record('eligibility', send('rag-service', 'POST', '/eligibility', facts));
    await record('eligibility stream', send('rag-service', 'POST', '/eligibility/stream', facts));
    await record(
      'eligibility bad date',
      send('rag-service', 'POST', '/eligibility', { ...facts, lastDebtReliefOrderApprovedOn: CANARY.creditor }),
    );
    await record(
      'eligibility bad type',
      send('rag-service', 'POST', '/eligibility', { ...facts, region: CANARY.creditor }),
    );

    // doc-processor: a client's letter with a text layer, read and handed to rag-service
    const clientId = `privacy-${randomUUID().slice(0, 8)}`;
    const pdf = pdfOf([`Dear ${CANARY.clientName}, you owe ${CANARY.uploadedFileText} Energy 412.50 GBP.`]);
    const processed = await send(
      'doc-processor',
      'POST',
      '/process',
      upload({ clientId }, { bytes: pdf, name: 'letter.pdf' }),
    );
    statuses['process'] = processed.status;
    const docId = (JSON.parse(processed.text) as { documentId: string }).documentId;
    await record('document get', send('doc-processor', 'GET', `/documents/${docId}`));
    await record('document markdown', send('doc-processor', 'GET', `/documents/${docId}/markdown`));
    await record(
      'document upload',
      send(
        'doc-processor',
        'POST',
        '/documents',
        upload({ clientId }, { bytes: pdfOf([`${CANARY.documentText} bank statement`]), name: 'statement.pdf' }),
      ),
    );
    await record('ask client', send('rag-service', 'POST', '/ask', { ...question, clientId }));
    await record(
      'document bad client id',
      send(
        'doc-processor',
        'POST',
        '/documents',
        upload({ clientId: `Ms ${CANARY.clientName}` }, { bytes: pdf, name: 'letter.pdf' }),
      ),
    );
    await record(
      'document bad hint',
      send(
        'doc-processor',
        'POST',
        '/documents',
        upload({ hint: CANARY.clientName }, { bytes: pdf, name: 'letter.pdf' }),
      ),
    );
    await record(
      'document bad file',
      send(
        'doc-processor',
        'POST',
        '/documents',
        upload({}, { bytes: Buffer.from(`${CANARY.uploadedFileText} plain text`), name: `${CANARY.clientName}.exe` }),
      ),
    );
    await record(
      'document corrupt pdf',
      send(
        'doc-processor',
        'POST',
        '/process',
        upload({}, { bytes: Buffer.from(`%PDF-1.4\n${CANARY.uploadedFileText}`), name: 'broken.pdf' }),
      ),
    );
    await record('document missing', send('doc-processor', 'GET', `/documents/${CANARY.clientName}`));
    await record(
      'no such route',
      send('doc-processor', 'GET', `/clients/${CANARY.clientName}?name=${CANARY.clientName}`),
    );
    await record('document delete', send('doc-processor', 'DELETE', `/documents/${docId}`));

    // Refused keys: none, one no store holds, and a name where the key should be.
    await record('no key', send('notes-service', 'POST', '/letters', letter, ''));
    await record('unknown key', send('rag-service', 'POST', '/ask', question, `Bearer ${UNKNOWN_KEY}`));
    await record(
      'name as key',
      send('doc-processor', 'GET', `/documents/${docId}`, undefined, `Bearer ${CANARY.clientName}`),
    );

    // Every route each service documents, with canaries in its path and body: routes added later are covered too.
    const sweepBody = { ...letter, question: question.question, text: manual.text, clientId: CANARY.clientName };
    for (const service of ['notes-service', 'rag-service', 'doc-processor']) {
      const document = (await (await fetch(`${urls[service]}/docs/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      for (const [path, operations] of Object.entries(document.paths)) {
        for (const method of Object.keys(operations)) {
          const concrete = path.replace(/\{[^}]+\}/g, CANARY.clientName);
          const body = method === 'get' || method === 'delete' ? undefined : sweepBody;
          await record(`sweep ${service} ${method} ${path}`, send(service, method.toUpperCase(), concrete, body));
        }
      }
    }

    // Every request was answered as its kind should be: the scan below covered real work and real refusals.
    expect(statuses).toMatchObject({
      letter: 200,
      'letter unknown field': 400,
      'letter pasted key': 400,
      'letter wrong type': 400,
      'letter malformed': 400,
      'letter llm down': 503,
      manual: 201,
      'manual file': 201,
      ask: 200,
      'ask bad client id': 400,
      'ask malformed': 400,
      'ask llm down': 503,
      eligibility: 200,
      'eligibility bad type': 400,
      process: 200,
      'document bad client id': 400,
      'document missing': 404,
      'no key': 401,
      'unknown key': 401,
      'name as key': 401,
    });
    expect(Object.keys(statuses).filter((label) => label.startsWith('sweep ')).length).toBeGreaterThan(15);
    // Give the processes a moment to print what they log after answering (hand-off, job ends).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const lines = Object.entries(processes).flatMap(([name, sut]) =>
      sut
        .output()
        .split('\n')
        .map((line) => ({ name, line })),
    );
    // The services did log about this work: access lines with request ids, and their own lines.
    expect(
      lines.filter(({ line }) => /Request handled method=POST route=\/letters status=200/.test(line)).length,
    ).toBeGreaterThan(0);
    expect(lines.some(({ line }) => line.includes('"requestId"') && line.includes(`"keyId":"${apiKey.keyId}"`))).toBe(
      true,
    );
    expect(lines.length).toBeGreaterThan(100);

    // A canary's first 7 letters (a parser's message quotes a window of its input that may cut a word); the
    // key's secret, whole and its first 12 characters; the refused key's secret.
    const needles = [
      ...Object.values(CANARY).map((canary) => canary.slice(0, 7)),
      apiKey.key,
      apiKey.secret.slice(0, 12),
      'Unkn0wnK3y',
    ];
    const found = (text: string) => needles.filter((needle) => text.toLowerCase().includes(needle.toLowerCase()));
    // What Redis keeps of the failed generations (failed reason, stack, data, run outcome): a code and a safe
    // message, the payload redacted; never the prompt (the notes).
    const failures = await storedFailures();
    expect(failures.length).toBeGreaterThanOrEqual(2);
    for (const { reason } of failures) expect(reason).toMatch(/^generation-error:\{"code":"[a-z_]+","message":"/);
    const leaks = [
      ...lines.flatMap(({ name, line }) =>
        found(line).map((canary) => `${name} log: ${canary} in ${line.slice(0, 400)}`),
      ),
      ...errorAnswers.flatMap(({ request, status, body }) =>
        found(body).map((canary) => `${request} answered ${status}: ${canary} in ${body.slice(0, 400)}`),
      ),
      ...failures.flatMap(({ key, stored }) =>
        found(stored).map((canary) => `redis ${key}: ${canary} in ${stored.slice(0, 400)}`),
      ),
    ];
    expect(leaks).toEqual([]);
  }, 240_000);
});
