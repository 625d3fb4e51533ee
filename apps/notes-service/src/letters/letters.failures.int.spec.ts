import {
  ServiceInProcess,
  StartedServer,
  eventually,
  metricValue,
  postEvents,
  postJson,
  setFaults,
  startLocalLlm,
  startServiceInProcess,
} from '@rma/testing';
import { configureService } from '@rma/service-core';
import { AppModule } from '../app.module';

// Real Redis, and real local-llm servers over HTTP on the simulated engine: one whose faults the tests
// set (a broken answer, a slow first token, a cut stream), and one too slow to finish a letter in time,
// so that only a cancel can stop its generations. Redis databases 1 and 2 are this file's (the project's
// Redis is its own; its spec files share out the databases).
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;
const NOTES = 'Cl rang 3/11. CT arrears £1,200 Bristol CC. Agreed: cl sends last 3 payslips by 1 Dec.';
const LETTER = { notes: NOTES, clientName: 'Ms Patel', adviserName: 'Sam Jones', organisation: 'Bristol Debt Advice' };

let faulty: StartedServer;
let sut: ServiceInProcess;
const env = (database: number, llmUrl: string, overrides: Record<string, string> = {}) => ({
  REDIS_URL: `${redisUrl}/${database}`,
  VLLM_URL: llmUrl,
  OLLAMA_URL: llmUrl,
  LOG_LEVEL: 'error',
  GENERATION_CONCURRENCY: 'fixed:8',
  GENERATION_ATTEMPTS: '1',
  LLM_RETRY_MAX_ATTEMPTS: '1',
  LETTER_REWRITE: 'false',
  ...overrides,
});
const startNotesService = (environment: Record<string, string>) =>
  startServiceInProcess(AppModule.forRoot(environment), environment['REDIS_URL'], configureService);
const running = (llm: StartedServer) => metricValue(llm.url, 'vllm:num_requests_running');

beforeAll(async () => {
  faulty = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--parallel', '16', '--admin']);
  // Time enough for every letter here, and far less than the delayed first token of the 504 test.
  sut = await startNotesService(env(1, faulty.url, { LETTER_TIMEOUT_MS: '3000' }));
});
afterEach(async () => {
  await setFaults(faulty.url, []);
});
afterAll(async () => {
  await sut?.close();
  await faulty?.stop();
});

describe('POST /letters when the LLM fails', () => {
  it('answers 502 with a typed body when the model answers with output no parser accepts', async () => {
    await setFaults(faulty.url, [{ kind: 'malformed', afterTokens: 3 }]);

    const response = await postJson(`${sut.baseUrl}/letters`, LETTER);

    expect(response.status).toBe(502);
    expect(response.body).toEqual({
      statusCode: 502,
      error: 'LlmBadResponse',
      message: expect.stringContaining('generation failed'),
      backend: 'vllm',
      retryable: expect.any(Boolean),
      jobId: expect.any(String),
    });
  });

  it('answers 504 saying to retry when the first token comes after LETTER_TIMEOUT_MS', async () => {
    await setFaults(faulty.url, [{ kind: 'delay-first-token', delayMs: 10_000 }]);

    const response = await postJson(`${sut.baseUrl}/letters`, LETTER);

    expect(response.status).toBe(504);
    expect(response.body).toMatchObject({ statusCode: 504, error: 'LlmTimeout', retryable: true });
  });
});

describe('the deadline of a letter', () => {
  it('ends POST /letters by LETTER_TIMEOUT_MS counted from its arrival, across its model calls', async () => {
    // Each call alone fits the 3 s: the facts call and the letter call together do not.
    await setFaults(faulty.url, [{ kind: 'delay-first-token', delayMs: 2_000 }]);
    const started = performance.now();

    const response = await postJson(`${sut.baseUrl}/letters`, LETTER);

    expect(response.status).toBe(504);
    expect(response.body).toMatchObject({
      statusCode: 504,
      message: expect.stringContaining('LETTER_TIMEOUT_MS (3000 ms)'),
      retryable: true,
    });
    expect(performance.now() - started).toBeLessThan(3_100);
  });
});

describe('POST /letters/stream when the LLM fails after the stream started', () => {
  it('sends the letter text so far, then an error event with the HTTP error body, and no letter', async () => {
    // The facts call draws its faults when it arrives: a short delay, gone once drawn. Only then is the cut
    // set, so that it hits the letter's stream and not the facts.
    await setFaults(faulty.url, [{ kind: 'delay-first-token', delayMs: 1_000, count: 1 }]);
    const events = postEvents(`${sut.baseUrl}/letters/stream`, LETTER);
    await eventually(async () => {
      const active = (await (await fetch(`${faulty.url}/admin/faults`)).json()) as { faults: unknown[] };
      return active.faults.length === 0;
    });
    await setFaults(faulty.url, [{ kind: 'cut', afterTokens: 20 }]);

    const received = await events;

    const names = received.map((event) => event.event);
    expect(names.slice(0, 2)).toEqual(['stage', 'stage']);
    expect(names).toContain('token');
    expect(names).not.toContain('letter');
    expect(names).not.toContain('done');
    expect(names[names.length - 1]).toBe('error');
    expect(received[received.length - 1].data).toEqual({
      statusCode: 502,
      error: 'LlmBadResponse',
      message: expect.any(String),
      backend: 'vllm',
      retryable: expect.any(Boolean),
      jobId: expect.any(String),
    });
  });
});

describe('POST /letters when too many letters wait', () => {
  let full: ServiceInProcess;
  beforeAll(async () => {
    // One generation at a time, and at most one interactive generation waiting behind it.
    full = await startNotesService(
      env(3, faulty.url, {
        GENERATION_CONCURRENCY: 'fixed:1',
        GENERATION_MAX_WAITING_INTERACTIVE: '1',
        LETTER_TIMEOUT_MS: '20000',
      }),
    );
  });
  afterAll(async () => {
    await full?.close();
  });

  it('answers 503 Overloaded with Retry-After at once, starting nothing, while the queue is full', async () => {
    // The first letter holds the one slot for 3 s before its first token.
    await setFaults(faulty.url, [{ kind: 'delay-first-token', delayMs: 3_000, count: 1 }]);
    const first = postJson(`${full.baseUrl}/letters`, LETTER);
    await eventually(async () => (await metricValue(full.baseUrl, 'generation_in_flight')) === 1);
    const second = postJson(`${full.baseUrl}/letters`, LETTER);
    await eventually(async () => (await metricValue(full.baseUrl, 'generation_queue_depth', 'interactive')) === 1);

    const refused = await fetch(`${full.baseUrl}/letters`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(LETTER),
    });

    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(await refused.json()).toMatchObject({ statusCode: 503, error: 'Overloaded', retryable: true });
    expect(await metricValue(full.baseUrl, 'generation_refused_total', 'reason="overloaded"')).toBe(1);
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
  });
});

describe('closing the connection', () => {
  let slowLlm: StartedServer;
  let slow: ServiceInProcess;

  beforeAll(async () => {
    // Two hundred times slower than the fast profile: no letter call can finish within the test.
    slowLlm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--time-scale', '200']);
    slow = await startNotesService(env(2, slowLlm.url));
  });
  afterAll(async () => {
    await slow?.close();
    await slowLlm?.stop();
  });

  it.each([
    ['/letters', LETTER],
    ['/letters/batch', { items: [LETTER, { ...LETTER, clientName: 'Mr Khan' }] }],
  ])('on POST %s cancels the generation on the engine', async (path, body) => {
    const client = new AbortController();
    const response = fetch(`${slow.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: client.signal,
    }).catch((error: unknown) => error);
    await eventually(async () => (await running(slowLlm)) > 0);

    client.abort();

    expect(await response).toMatchObject({ name: 'AbortError' });
    await eventually(async () => (await running(slowLlm)) === 0, 3_000);
  });
});
