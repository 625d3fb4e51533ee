import {
  ServiceInProcess,
  StartedServer,
  eventually,
  freePort,
  postEvents,
  postJson,
  request,
  startLocalLlm,
  startServiceInProcess,
} from '@rma/testing';
import { configureService } from '@rma/service-core';
import { AppModule } from '../app.module';
import { caseFactsSchema } from './letter.schemas';

// Real Redis, and a real local-llm over HTTP on its simulated engine: its text is deterministic filler
// and its structured output a schema-valid value with invented numbers, which the fact check must flag.
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;
const NOTES =
  'Cl rang 3/11. CT arrears £1,200 Bristol CC, summons hearing 14 March 2027. Octopus energy £450.50. ' +
  'Agreed: cl sends last 3 payslips by 1 Dec; we write to council re hold on enforcement.';
const LETTER = { notes: NOTES, clientName: 'Ms Patel', adviserName: 'Sam Jones', organisation: 'Bristol Debt Advice' };

let llm: StartedServer;
let sut: ServiceInProcess;
const env = (database: number, overrides: Record<string, string> = {}) => ({
  REDIS_URL: `${redisUrl}/${database}`,
  VLLM_URL: llm.url,
  OLLAMA_URL: llm.url,
  LOG_LEVEL: 'error',
  GENERATION_CONCURRENCY: 'fixed:8',
  LETTER_REWRITE: 'false',
  NOTES_MAX_CHARS: '2000',
  LETTER_BATCH_MAX_ITEMS: '5',
  LETTER_BATCH_JOB_MIN_ITEMS: '3',
  HTTP_BODY_LIMIT_BYTES: '65536',
  ...overrides,
});
const startNotesService = (environment: Record<string, string>) =>
  startServiceInProcess(AppModule.forRoot(environment), environment['REDIS_URL'], configureService);
/** Finished generations on the engine, whatever their finish reason (none before the first). */
async function completions(): Promise<number> {
  const text = await (await fetch(`${llm.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('vllm:request_success_total{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

beforeAll(async () => {
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--parallel', '16']);
  sut = await startNotesService(env(5));
});
afterAll(async () => {
  await sut?.close();
  await llm?.stop();
});

describe('POST /letters', () => {
  it('writes a letter with every section from facts that validate, in two model calls', async () => {
    const before = await completions();

    const response = await postJson(`${sut.baseUrl}/letters`, LETTER);

    expect(response.status).toBe(200);
    const { letter, facts, readability, usage, backend } = response.body;
    expect(caseFactsSchema.safeParse(facts).success).toBe(true);
    for (const key of ['situation', 'whatWeWillDo', 'whatYouNeedToDo', 'nextSteps']) {
      expect(letter.sections[key]).toEqual(expect.any(String));
      expect(letter.text).toContain(letter.sections[key]);
    }
    expect(letter.text).toMatch(/^Dear Ms Patel,\n\nYour situation\n/);
    expect(letter.text).toMatch(/Yours sincerely,\nSam Jones\nBristol Debt Advice\n$/);
    expect(readability).toEqual({
      fleschKincaidGrade: expect.any(Number),
      fleschReadingEase: expect.any(Number),
      targetGrade: 9,
      rewritten: false,
    });
    expect(usage.completionTokens).toBeGreaterThan(0);
    expect(backend).toMatchObject({ kind: 'vllm', fallback: false });
    expect((await completions()) - before).toBe(2);
  });

  it('flags every extracted amount that the notes do not contain, instead of sending it silently', async () => {
    const response = await postJson(`${sut.baseUrl}/letters`, LETTER);

    // The simulated engine invents amounts from 0 to 999; none of them is £1,200 or £450.50.
    const { facts, warnings } = response.body;
    expect(facts.debts.length).toBeGreaterThan(0);
    expect(warnings).toEqual(
      expect.arrayContaining(
        facts.debts.map((debt: { amount: number }) =>
          expect.objectContaining({ kind: 'amount', source: 'facts', value: String(debt.amount) }),
        ),
      ),
    );
  });

  it.each([
    [{ ...LETTER, notes: '' }, /notes must not be empty/],
    [{ ...LETTER, notes: 'x'.repeat(2001) }, /notes must be at most 2000 characters \(NOTES_MAX_CHARS\); got 2001/],
    [{ notes: NOTES }, /clientName must not be empty/],
    [{ ...LETTER, tone: 'formal' }, /property tone should not exist/],
    // A key that reads like pasted text is described, not repeated (it may be a client's name or notes).
    [
      { ...LETTER, 'Ms Patel rang': 'x' },
      /property \(a name of 13 characters that is not a field name; not repeated\)/,
    ],
    [{ ...LETTER, notes: 42 }, /notes must be a string/],
    [{ ...LETTER, adviserName: null }, /adviserName must be a string/],
  ])('refuses bad input with a 400 that says what to change (%#)', async (body, message) => {
    const response = await postJson(`${sut.baseUrl}/letters`, body);

    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body.message)).toMatch(message);
  });

  it('refuses malformed, deeply nested and oversized bodies with a 4xx, never a 500', async () => {
    const deep = '{"notes":'.repeat(5_000) + '"x"' + '}'.repeat(5_000);

    const malformed = await postJson(`${sut.baseUrl}/letters`, '{"notes": ');
    const nested = await postJson(`${sut.baseUrl}/letters`, deep);
    const oversized = await postJson(`${sut.baseUrl}/letters`, { ...LETTER, notes: 'x'.repeat(70_000) });

    expect(malformed.status).toBe(400);
    expect(nested.status).toBe(400);
    expect(nested.body.message).toMatch(/deeper than 32 levels/);
    expect(oversized.status).toBe(413);
  });
});

describe('POST /letters with rewriting on', () => {
  let rewriting: ServiceInProcess;

  beforeAll(async () => {
    // Grade 1 is below anything the simulated engine's filler reads at, so the rewrite always runs.
    rewriting = await startNotesService(env(7, { LETTER_REWRITE: 'true', LETTER_TARGET_GRADE: '1' }));
  });
  afterAll(async () => {
    await rewriting?.close();
  });

  // The simulated engine answers the same prompt with the same text, so the service without rewriting
  // shows each letter as first written. Its filler reads at a grade set by the prompt: for Ms Okafor the
  // rewrite reads easier than the first letter, for Ms Patel it does not.
  const firstAndKept = async (clientName: string) => {
    const first = (await postJson(`${sut.baseUrl}/letters`, { ...LETTER, clientName })).body;
    const before = await completions();
    const kept = await postJson(`${rewriting.baseUrl}/letters`, { ...LETTER, clientName });
    return { first, kept, calls: (await completions()) - before };
  };

  it('makes one rewrite call when the letter reads above the target grade, and keeps a rewrite that reads easier', async () => {
    const { first, kept, calls } = await firstAndKept('Ms Okafor');

    expect(kept.status).toBe(200);
    expect(calls).toBe(3);
    expect(kept.body.timings).toEqual(expect.objectContaining({ rewriteMs: expect.any(Number) }));
    expect(kept.body.readability).toMatchObject({ targetGrade: 1, rewritten: true });
    expect(kept.body.readability.fleschKincaidGrade).toBeLessThan(first.readability.fleschKincaidGrade);
    expect(kept.body.letter.text).not.toBe(first.letter.text);
    expect(kept.body.letter.text).toMatch(/^Dear Ms Okafor,\n/);
  });

  it('keeps the first letter when the rewrite reads no easier', async () => {
    const { first, kept, calls } = await firstAndKept('Ms Patel');

    expect(calls).toBe(3);
    expect(kept.body.readability).toEqual({ ...first.readability, targetGrade: 1, rewritten: false });
    expect(kept.body.letter).toEqual(first.letter);
  });
});

describe('POST /letters/stream', () => {
  it('sends stages, then the letter text in pieces, then the whole result, then done', async () => {
    const events = await postEvents(`${sut.baseUrl}/letters/stream`, LETTER);

    const names = events.map((event) => event.event);
    expect(names.slice(0, 2)).toEqual(['stage', 'stage']);
    expect(events.slice(0, 2).map((event) => event.data.stage)).toEqual(['facts', 'letter']);
    expect(names.slice(-2)).toEqual(['letter', 'done']);
    const tokens = events.filter((event) => event.event === 'token');
    expect(tokens.length).toBeGreaterThan(2);
    expect(names.slice(2, -2).every((name) => name === 'token')).toBe(true);
    const result = events[events.length - 2].data;
    expect(tokens.map((event) => event.data.text).join('')).toBe(result.letter.text);
    expect(Object.keys(result.letter.sections).sort()).toEqual(
      ['nextSteps', 'situation', 'whatWeWillDo', 'whatYouNeedToDo'].sort(),
    );
  });

  it('refuses bad input with a plain 400 before any event', async () => {
    const response = await postJson(`${sut.baseUrl}/letters/stream`, { ...LETTER, clientName: '' });

    expect(response.status).toBe(400);
  });
});

describe('POST /letters/batch', () => {
  it('returns results in order, with its own error for a bad item, without failing the others', async () => {
    const items = [
      { notes: 'Cl owes £300 to Barclaycard.', clientName: 'Mr Okafor' },
      { notes: '', clientName: 'Ms Byrne' },
      { notes: 'Rent arrears £820 to Clarion; court date 2 Feb 2027.', clientName: 'Ms Byrne' },
    ];

    const response = await postJson(`${sut.baseUrl}/letters/batch`, { items });

    expect(response.status).toBe(200);
    const results = response.body.results;
    expect(results.map((item: { index: number; ok: boolean }) => [item.index, item.ok])).toEqual([
      [0, true],
      [1, false],
      [2, true],
    ]);
    expect(results[1].error).toMatchObject({ statusCode: 400, message: expect.stringMatching(/^items\.1: notes/) });
    expect(results[0].letter.text).toMatch(/^Dear Mr Okafor,/);
    expect(results[2].letter.text).toMatch(/^Dear Ms Byrne,/);
  });

  it("describes a batch item's key that reads like pasted text without repeating it", async () => {
    const response = await postJson(`${sut.baseUrl}/letters/batch`, { items: [{ ...LETTER, 'Ms Patel rang': 'x' }] });

    expect(response.body.results[0]).toMatchObject({
      ok: false,
      error: { statusCode: 400, message: expect.stringMatching(/^items\.0: property \(a name of 13 characters/) },
    });
    expect(JSON.stringify(response.body)).not.toContain('Patel rang');
  });

  it('runs a batch over LETTER_BATCH_JOB_MIN_ITEMS in the background: 202, then progress and every letter in order', async () => {
    const items = [
      { notes: 'Cl owes £300 to Barclaycard.', clientName: 'Mr Okafor' },
      { notes: '', clientName: 'Ms Byrne' },
      LETTER,
      { ...LETTER, clientName: 'Mr Khan' },
    ];

    const response = await fetch(`${sut.baseUrl}/letters/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    const accepted = (await response.json()) as { jobId: string };
    const first = await request('GET', `${sut.baseUrl}/letters/batch/${accepted.jobId}`);
    let job: { status: number; body: any } = first;
    await eventually(async () => {
      job = await request('GET', `${sut.baseUrl}/letters/batch/${accepted.jobId}`);
      return job.body.status !== 'running';
    }, 20_000);

    expect(response.status).toBe(202);
    expect(accepted).toEqual({ jobId: expect.any(String), status: 'running', total: 4 });
    expect(response.headers.get('location')).toBe(`/letters/batch/${accepted.jobId}`);
    // The bad item is settled before any generation starts.
    expect(first.body).toMatchObject({ total: 4, done: expect.any(Number), failed: 1 });
    expect(job.body).toMatchObject({ status: 'completed', total: 4, done: 4, failed: 1, stage: 'letter' });
    expect(job.body.results.map((item: { index: number; ok: boolean }) => [item.index, item.ok])).toEqual([
      [0, true],
      [1, false],
      [2, true],
      [3, true],
    ]);
    expect(job.body.results[3].letter.text).toMatch(/^Dear Mr Khan,/);
    expect(Date.parse(job.body.expiresAt) - Date.parse(job.body.updatedAt)).toBe(3_600_000);
  });

  it('runs a small batch in the background when asked (Prefer: respond-async); an unknown batch is a 404', async () => {
    const accepted = await postJson(`${sut.baseUrl}/letters/batch`, { items: [LETTER] }, { prefer: 'respond-async' });
    const unknown = await request('GET', `${sut.baseUrl}/letters/batch/no-such-batch`);

    expect(accepted).toMatchObject({ status: 202, body: { status: 'running', total: 1 } });
    expect(unknown).toMatchObject({
      status: 404,
      body: {
        statusCode: 404,
        code: 'batch_not_found',
        message: expect.stringContaining('LETTER_BATCH_RETENTION_SECONDS'),
      },
    });
    await eventually(
      async () =>
        (await request('GET', `${sut.baseUrl}/letters/batch/${accepted.body.jobId}`)).body.status === 'completed',
      20_000,
    );
  });

  it('refuses a batch over LETTER_BATCH_MAX_ITEMS as a whole', async () => {
    const response = await postJson(`${sut.baseUrl}/letters/batch`, {
      items: Array.from({ length: 6 }, () => LETTER),
    });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'batch_too_large' });
  });
});

describe('with the LLM backend down', () => {
  let down: ServiceInProcess;

  beforeAll(async () => {
    // A port nothing listens on: connections are refused, as when vLLM is not running.
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    down = await startNotesService(
      env(6, { VLLM_URL: deadUrl, OLLAMA_URL: deadUrl, GENERATION_ATTEMPTS: '1', LLM_RETRY_MAX_ATTEMPTS: '1' }),
    );
  });
  afterAll(async () => {
    await down?.close();
  });

  it('answers 503 with a typed body naming the backend and saying to retry, never a 200', async () => {
    const response = await postJson(`${down.baseUrl}/letters`, LETTER);

    expect(response.status).toBe(503);
    expect(response.body).toEqual({
      statusCode: 503,
      error: 'LlmUnavailable',
      message: expect.stringContaining('generation failed'),
      backend: 'vllm',
      retryable: true,
      jobId: expect.any(String),
    });
  });

  it('gives each batch item the typed error, not a letter', async () => {
    const response = await postJson(`${down.baseUrl}/letters/batch`, { items: [LETTER] });

    expect(response.status).toBe(200);
    expect(response.body.results).toEqual([
      { index: 0, ok: false, error: expect.objectContaining({ statusCode: 503, error: 'LlmUnavailable' }) },
    ]);
  });
});
