import {
  ServiceInProcess,
  StartedServer,
  eventually,
  freePort,
  metricValue,
  postJson,
  setFaults,
  startLocalLlm,
  startServiceInProcess,
} from '@rma/testing';
import { configureService } from '@rma/service-core';
import { ChromaClient } from 'chromadb';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AppModule } from './app.module';

// Real Redis, real Chroma (the harness's, and one of this file's own that a test stops) and real local-llm
// servers on the simulated engine: one whose faults the tests set, and one too slow to finish an answer
// in time, so that only a cancel can stop its generations. Redis databases 14 and 15 are this file's (the
// project's Redis is its own; its spec files share out the databases); the services on 15 take turns.
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;
const chromaUrl = process.env['RMA_TEST_CHROMA_URL'] as string;
const DRO = {
  title: 'Debt Relief Orders',
  source: 'test/dro.md',
  text:
    '# Debt Relief Orders\n\n## Who can get one\n\nQualifying debts must be £50,000 or less. Spare income must be ' +
    '£75 a month or less.\n\n## Fees\n\nThere has been no application fee since 6 April 2024.',
};
const BREATHING = {
  title: 'Breathing Space',
  source: 'test/breathing.md',
  text: '# Breathing Space\n\nA standard breathing space lasts 60 days and freezes interest and charges.',
};

let faulty: StartedServer;
let sut: ServiceInProcess;
const collections: string[] = [];
const env = (database: number, llmUrl: string, overrides: Record<string, string> = {}) => {
  collections.push(`test-${randomUUID().slice(0, 8)}`);
  return {
    REDIS_URL: `${redisUrl}/${database}`,
    CHROMA_URL: chromaUrl,
    CHROMA_COLLECTION: collections[collections.length - 1],
    VLLM_URL: llmUrl,
    OLLAMA_URL: llmUrl,
    LOG_LEVEL: 'error',
    GENERATION_CONCURRENCY: 'fixed:8',
    GENERATION_ATTEMPTS: '1',
    LLM_RETRY_MAX_ATTEMPTS: '1',
    MANUALS_DIR: 'off',
    CHUNK_SIZE: '300',
    CHUNK_OVERLAP: '50',
    ASK_MAX_TOKENS: '32',
    ...overrides,
  };
};
const start = (environment: Record<string, string>) =>
  startServiceInProcess(AppModule.forRoot(environment), environment['REDIS_URL'], configureService);
const chromaAt = (url: string) => new ChromaClient({ host: new URL(url).hostname, port: Number(new URL(url).port) });

/** A Chroma server of this file's own, started as tools/servers does, so that a test can stop it. */
async function startOwnChroma(): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  let root = dirname(require.resolve('chromadb'));
  while (!existsSync(join(root, 'package.json'))) root = dirname(root);
  const { bin } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rma-chroma-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [join(root, typeof bin === 'string' ? bin : bin.chroma), 'run', '--path', dir, '--port', String(port)],
    { cwd: dir, env: { ...process.env, ANONYMIZED_TELEMETRY: 'False' }, stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    () =>
      fetch(`${url}/api/v2/heartbeat`).then(
        (response) => response.ok,
        () => false,
      ),
    30_000,
  );
  return {
    url,
    pid: child.pid as number,
    stop: async () => {
      // SIGKILL ends a frozen (SIGSTOPped) server too.
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

beforeAll(async () => {
  faulty = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--parallel', '16', '--admin']);
  // Time enough for an agentic answer here, and far less than the delayed first token of the 504 test.
  sut = await start(env(14, faulty.url, { AGENTIC_TIMEOUT_MS: '3000' }));
  await postJson(`${sut.baseUrl}/documents`, DRO);
  await postJson(`${sut.baseUrl}/documents`, BREATHING);
});
afterEach(async () => {
  await setFaults(faulty.url, []);
});
afterAll(async () => {
  await sut?.close();
  await faulty?.stop();
  const chroma = chromaAt(chromaUrl);
  await Promise.all(collections.map((name) => chroma.deleteCollection({ name }).catch(() => undefined)));
});

describe('POST /ask/agentic', () => {
  it('retrieves once for each sub-query of the plan, with that sub-query, in the plan order', async () => {
    // Each sub-query repeats one chunk's text, so a retrieval made with it finds that chunk at score 1
    // (the engine's embeddings are a hashed bag of words); one made with the question would not.
    const plan = {
      reasoning: 'A fee question and a moratorium question.',
      subQueries: [
        'Breathing Space\nA standard breathing space lasts 60 days and freezes interest and charges.',
        'Debt Relief Orders > Fees\nThere has been no application fee since 6 April 2024.',
      ],
    };
    // The plan is the first model call; the scripted answer is gone after it, and the synthesis is the engine's.
    await setFaults(faulty.url, [{ kind: 'scripted-answer', text: JSON.stringify(plan), count: 1 }]);

    const response = await postJson(`${sut.baseUrl}/ask/agentic`, { question: 'Fees and breathing space?' });

    expect(response.status).toBe(200);
    const steps = response.body.steps as Array<{ kind: string; detail: string; query?: string }>;
    expect(steps[0]).toEqual({ kind: 'plan', detail: plan.reasoning });
    const retrievals = steps.filter((step) => step.kind === 'retrieve');
    expect(retrievals.map((step) => step.query)).toEqual(plan.subQueries);
    for (const step of retrievals) expect(Number(step.detail.split('best score ')[1])).toBeCloseTo(1, 2);
    expect(response.body.sources.slice(0, 2).map((source: { chunk: string }) => source.chunk)).toEqual(plan.subQueries);
    expect(steps[steps.length - 1].kind).toBe('answer');
  });

  it('answers 504 naming AGENTIC_TIMEOUT_MS when the first token comes after it', async () => {
    await setFaults(faulty.url, [{ kind: 'delay-first-token', delayMs: 10_000 }]);

    const response = await postJson(`${sut.baseUrl}/ask/agentic`, { question: 'What is the DRO debt limit?' });

    expect(response.status).toBe(504);
    expect(response.body).toMatchObject({
      statusCode: 504,
      error: 'LlmTimeout',
      message: expect.stringContaining('AGENTIC_TIMEOUT_MS'),
      retryable: true,
    });
  });
});

describe('when Chroma fails', () => {
  it('answers 502 when Chroma refuses the request (its collection was deleted under the service)', async () => {
    const environment = env(15, faulty.url);
    const orphaned = await start(environment);
    try {
      await postJson(`${orphaned.baseUrl}/documents`, DRO);
      await chromaAt(chromaUrl).deleteCollection({ name: environment.CHROMA_COLLECTION });

      const response = await postJson(`${orphaned.baseUrl}/ask`, { question: 'What is the DRO debt limit?' });

      expect(response.status).toBe(502);
      expect(response.body).toMatchObject({ statusCode: 502, code: 'vector_store_rejected', retryable: false });
      // Chroma's own text (here "The requested resource could not be found") can quote what was sent, such as
      // a metadata value: the answer names the error's kind only.
      expect(response.body.message).toMatch(/refused to query \(Chroma[A-Za-z]*Error\)$/);
      expect(response.body.message).not.toMatch(/resource|could not/i);
    } finally {
      await orphaned.close();
    }
  });

  it('answers 503 saying to retry when Chroma is down', async () => {
    const chroma = await startOwnChroma();
    let stranded: ServiceInProcess | undefined;
    try {
      stranded = await start({ ...env(15, faulty.url), CHROMA_URL: chroma.url });
      await postJson(`${stranded.baseUrl}/documents`, DRO);
      await chroma.stop();

      const response = await postJson(`${stranded.baseUrl}/ask`, { question: 'What is the DRO debt limit?' });

      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ statusCode: 503, code: 'vector_store_unavailable', retryable: true });
    } finally {
      await stranded?.close();
      await chroma.stop();
    }
  });
});

describe('request deadlines', () => {
  const timed = async (call: () => Promise<{ status: number; body: Record<string, unknown> }>) => {
    const started = performance.now();
    const response = await call();
    return { ...response, ms: performance.now() - started };
  };

  it('ends /ask by ASK_TIMEOUT_MS counted from its arrival, the embedding included, with a 504', async () => {
    const service = await start(env(15, faulty.url, { ASK_TIMEOUT_MS: '1500' }));
    try {
      await postJson(`${service.baseUrl}/documents`, DRO);
      await setFaults(faulty.url, [
        { kind: 'delay-first-token', target: 'embeddings', delayMs: 1_000 },
        { kind: 'delay-first-token', delayMs: 10_000 },
      ]);

      const response = await timed(() =>
        postJson(`${service.baseUrl}/ask`, { question: 'What is the DRO debt limit?' }),
      );

      expect(response).toMatchObject({
        status: 504,
        body: { statusCode: 504, message: expect.stringContaining('ASK_TIMEOUT_MS (1500 ms)'), retryable: true },
      });
      expect(response.ms).toBeLessThan(1_600);
    } finally {
      await service.close();
    }
  });

  it('answers 503 by CHROMA_TIMEOUT_MS when Chroma is frozen, and 504 by the deadline when that is sooner', async () => {
    const chroma = await startOwnChroma();
    let service: ServiceInProcess | undefined;
    try {
      service = await start({ ...env(15, faulty.url, { CHROMA_TIMEOUT_MS: '800' }), CHROMA_URL: chroma.url });
      await postJson(`${service.baseUrl}/documents`, DRO);
      process.kill(chroma.pid, 'SIGSTOP');

      const unavailable = await timed(() =>
        postJson(`${service!.baseUrl}/ask`, { question: 'What is the DRO debt limit?' }),
      );

      expect(unavailable).toMatchObject({
        status: 503,
        body: {
          code: 'vector_store_unavailable',
          message: expect.stringContaining('CHROMA_TIMEOUT_MS'),
          retryable: true,
        },
      });
      expect(unavailable.ms).toBeLessThan(900);
      await service.close();

      service = await start({
        ...env(15, faulty.url, { CHROMA_TIMEOUT_MS: '5000', ASK_TIMEOUT_MS: '600' }),
        CHROMA_URL: chroma.url,
      });
      const late = await timed(() => postJson(`${service!.baseUrl}/ask`, { question: 'What is the DRO debt limit?' }));

      expect(late).toMatchObject({ status: 504, body: { message: expect.stringContaining('ASK_TIMEOUT_MS') } });
      expect(late.ms).toBeLessThan(700);
    } finally {
      await service?.close();
      await chroma.stop();
    }
  }, 60_000);
});

describe('batch waits', () => {
  it('fails a /ask/batch answer that waits past ASK_BATCH_TIMEOUT_MS with a timeout, instead of waiting on', async () => {
    const service = await start(env(15, faulty.url, { ASK_BATCH_TIMEOUT_MS: '1000' }));
    try {
      await postJson(`${service.baseUrl}/documents`, DRO);
      await setFaults(faulty.url, [{ kind: 'delay-first-token', delayMs: 10_000 }]);
      const started = performance.now();

      const response = await postJson(`${service.baseUrl}/ask/batch`, { questions: ['What is the DRO debt limit?'] });

      expect(response.status).toBe(200);
      expect(response.body.results).toEqual([
        expect.objectContaining({ ok: false, error: expect.objectContaining({ statusCode: 504 }) }),
      ]);
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      await service.close();
    }
  });
});

describe('closing the connection', () => {
  let slowLlm: StartedServer;
  let slow: ServiceInProcess;

  beforeAll(async () => {
    // Two hundred times slower than the fast profile: no answer can finish within the test.
    slowLlm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--time-scale', '200']);
    slow = await start(env(15, slowLlm.url, { ASK_MAX_TOKENS: '1500' }));
    await postJson(`${slow.baseUrl}/documents`, DRO);
  });
  afterAll(async () => {
    await slow?.close();
    await slowLlm?.stop();
  });

  it.each([
    ['/ask', { question: 'What is the DRO debt limit?' }],
    ['/ask/agentic', { question: 'What is the DRO debt limit?' }],
    ['/ask/batch', { questions: ['What is the DRO debt limit?', 'Is there a DRO fee?'] }],
  ])('on POST %s cancels the generation on the engine', async (path, body) => {
    const client = new AbortController();
    const response = fetch(`${slow.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: client.signal,
    }).catch((error: unknown) => error);
    await eventually(async () => (await metricValue(slowLlm.url, 'vllm:num_requests_running')) > 0);

    client.abort();

    expect(await response).toMatchObject({ name: 'AbortError' });
    await eventually(async () => (await metricValue(slowLlm.url, 'vllm:num_requests_running')) === 0, 3_000);
  });
});
