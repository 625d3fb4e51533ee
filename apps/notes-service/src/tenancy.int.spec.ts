import { ApiKeyStore, LOCAL_ORGANISATION, configureService } from '@rma/service-core';
import type { ApiScope } from '@rma/service-core';
import { ServiceInProcess, StartedServer, eventually, startLocalLlm, startServiceInProcess } from '@rma/testing';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { AppModule } from './app.module';

// Tenancy over HTTP with real API keys (AUTH_MODE=on), real Redis and a real local-llm on its simulated
// engine. notes-service stores one thing a caller can read back: a background letter batch (letters are
// personal data). POST /letters, /letters/stream and an inline /letters/batch answer in the response and
// keep nothing. Another organisation's batch is answered exactly like an unknown id. Redis database 6 is
// this file's.
const redisUrl = `${process.env['RMA_TEST_REDIS_URL'] as string}/6`;
const NOTES = 'Cl rang 3/11. CT arrears £1,200 Bristol CC, hearing 14 March 2027. Cl sends payslips by 1 Dec.';
/** `organisation` here is the letter's sign-off, text in the letter: it must not decide who owns the batch. */
const letter = (n: number) => ({
  notes: NOTES,
  clientName: `Ms Patel ${n}`,
  adviserName: 'Sam',
  organisation: 'org-b',
});

let llm: StartedServer;
let sut: ServiceInProcess;
const keys: Record<'a' | 'b' | 'local', string> = {} as never;

async function createKey(organisation: string, scopes: ApiScope[]): Promise<string> {
  const redis = new Redis(redisUrl);
  try {
    return (await new ApiKeyStore(redis).create({ organisation, scopes, label: 'notes tenancy test' })).key;
  } finally {
    redis.disconnect();
  }
}

async function call(
  key: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; location: string | null }> {
  const response = await fetch(`${sut.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json(), location: response.headers.get('location') };
}

/** A 404 body with the asked-for id taken out: what a caller could compare between two ids. */
const withoutId = (body: unknown, id: string) => JSON.parse(JSON.stringify(body).split(id).join('<id>'));

beforeAll(async () => {
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--parallel', '16']);
  const environment = {
    REDIS_URL: redisUrl,
    VLLM_URL: llm.url,
    OLLAMA_URL: llm.url,
    LOG_LEVEL: 'error',
    AUTH_MODE: 'on',
    GENERATION_CONCURRENCY: 'fixed:8',
    LETTER_REWRITE: 'false',
    LETTER_BATCH_MAX_ITEMS: '5',
    LETTER_BATCH_JOB_MIN_ITEMS: '2',
  };
  sut = await startServiceInProcess(AppModule.forRoot(environment), environment.REDIS_URL, configureService);
  keys.a = await createKey('org-a', ['letters']);
  keys.b = await createKey('org-b', ['letters']);
  keys.local = await createKey(LOCAL_ORGANISATION, ['letters']);
});
afterAll(async () => {
  await sut?.close();
  await llm?.stop();
});

describe('GET /letters/batch/{id} across organisations', () => {
  it.each([
    ['more than LETTER_BATCH_JOB_MIN_ITEMS items', [letter(1), letter(2), letter(3)], {}],
    ['Prefer: respond-async', [letter(4)], { prefer: 'respond-async' }],
  ])("answers another organisation's batch (%s) as an unknown id; the sender reads it", async (_, items, headers) => {
    const accepted = await call(keys.a, 'POST', '/letters/batch', { items }, headers);
    expect(accepted).toMatchObject({ status: 202, body: { status: 'running', total: items.length } });
    const jobId = accepted.body.jobId as string;
    const unknownId = randomUUID();

    // Read while it runs and once it has finished: neither state may show through.
    const runningAsB = await call(keys.b, 'GET', `/letters/batch/${jobId}`);
    let asA = await call(keys.a, 'GET', accepted.location as string);
    await eventually(async () => {
      asA = await call(keys.a, 'GET', `/letters/batch/${jobId}`);
      return asA.body.status !== 'running';
    });
    const finishedAsB = await call(keys.b, 'GET', `/letters/batch/${jobId}`);
    const asLocal = await call(keys.local, 'GET', `/letters/batch/${jobId}`);
    const unknown = await call(keys.b, 'GET', `/letters/batch/${unknownId}`);

    expect(unknown).toMatchObject({ status: 404, body: { code: 'batch_not_found' } });
    for (const other of [runningAsB, finishedAsB, asLocal]) {
      expect(other.status).toBe(404);
      expect(withoutId(other.body, jobId)).toEqual(withoutId(unknown.body, unknownId));
    }
    expect(asA.status).toBe(200);
    expect(asA.body).toMatchObject({ status: 'completed', total: items.length, done: items.length, failed: 0 });
    expect(asA.body.results.map((result: any) => result.letter.text)).toEqual(
      items.map((item) => expect.stringContaining(`Dear ${item.clientName},`)),
    );
  });
});
