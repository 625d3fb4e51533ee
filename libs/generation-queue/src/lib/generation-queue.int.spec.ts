import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { LlmClient } from '@rma/llm-provider';
import { testOptions } from '@rma/llm-provider/testing';
import { eventually, metricValue, setFaults, StartedServer, startLocalLlm } from '@rma/testing';
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { GenerationQueue, formatFor } from './generation-queue';
import { CANCELLED_KEY_PREFIX, GENERATION_QUEUE_NAME, QUEUE_PREFIX } from './generation-queue.constants';
import { GenerationError, generationFailureResponse } from './generation.errors';
import { ask, flushQueueRedis, makeQueue, queueRedisUrl, settledWithin } from './queue-test-kit';
import { redisOptionsFromUrl } from '@rma/service-core';

// Real Redis, and a real local-llm on its simulated engine (fast profile: a few ms a token) with fault
// injection; no mocks.
const workspaceRoot = join(__dirname, '..', '..', '..', '..');
let llm: StartedServer;
const queues: GenerationQueue[] = [];

async function started(queue: GenerationQueue): Promise<GenerationQueue> {
  queues.push(queue);
  await queue.start();
  return queue;
}

const running = () => metricValue(llm.url, 'vllm:num_requests_running');

function startWorkerProcess(limit: number, llmUrl = llm.url): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      join(workspaceRoot, 'tools/scripts/ts-run.cjs'),
      join(workspaceRoot, 'libs/generation-queue/src/testing/worker-process.ts'),
    ],
    {
      env: { ...process.env, REDIS_URL: queueRedisUrl(), LLM_URL: llmUrl, LIMIT: String(limit) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
  });
}

beforeAll(async () => {
  llm = await startLocalLlm([
    '--engine',
    'sim',
    '--profile',
    'fast',
    '--parallel',
    '64',
    '--max-queue',
    '1000',
    '--admin',
  ]);
});
afterAll(async () => {
  await llm?.stop();
});
beforeEach(async () => {
  await flushQueueRedis();
  await setFaults(llm.url, []);
});
afterEach(async () => {
  await Promise.all(queues.splice(0).map((queue) => queue.close()));
});

describe(`${GenerationQueue.name} priorities`, () => {
  it('lets an interactive job overtake a backlog of bulk jobs, and still completes every bulk job', async () => {
    const sut = await started(makeQueue(llm.url, { concurrency: { mode: 'fixed', limit: 1 } }));
    const order: string[] = [];
    // Long enough (up to 200 tokens) that few finish between the first one starting and the adviser's job arriving.
    const bulk = Array.from({ length: 12 }, (_, i) =>
      sut.generate(ask(`bulk ${i}`, 200), { workClass: 'bulk' }).then(() => order.push(`bulk ${i}`)),
    );
    await eventually(async () => (await running()) === 1);

    await sut.generate(ask('an adviser is waiting')).then(() => order.push('interactive'));
    await Promise.all(bulk);

    // At most the bulk job running when it arrived, and one that started meanwhile, finish before it.
    expect(order.indexOf('interactive')).toBeLessThanOrEqual(2);
    expect(order.filter((name) => name.startsWith('bulk'))).toHaveLength(12);
  });

  it('promotes bulk work that waited too long, so it does not starve behind interactive work', async () => {
    const sut = await started(makeQueue(llm.url, { concurrency: { mode: 'fixed', limit: 1 }, bulkAgingMs: 100 }));
    const order: string[] = [];
    const blocker = sut.generate(ask('first', 60)).then(() => order.push('first'));
    await eventually(async () => (await running()) === 1);
    const bulk = sut.generate(ask('bulk'), { workClass: 'bulk' }).then(() => order.push('bulk'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const interactive = Array.from({ length: 5 }, (_, i) =>
      sut.generate(ask(`interactive ${i}`)).then(() => order.push(`interactive ${i}`)),
    );

    await Promise.all([blocker, bulk, ...interactive]);

    expect(order.indexOf('bulk')).toBe(1);
  });
  it('promotes an aged bulk job even when more than 200 interactive jobs wait ahead of it', async () => {
    const sut = await started(makeQueue(llm.url, { concurrency: { mode: 'fixed', limit: 1 }, bulkAgingMs: 300 }));
    const order: string[] = [];
    // Holds the one slot for 3 s before its first token, so nothing else starts meanwhile (the simulated
    // text may end long before any maxTokens).
    await setFaults(llm.url, [{ kind: 'delay-first-token', delayMs: 3_000, count: 1 }]);
    const blocker = sut.generate(ask('first', 5)).then(() => order.push('first'));
    await eventually(async () => (await sut.counts()).active === 1);
    const bulk = sut.generate(ask('bulk', 1), { workClass: 'bulk' }).then(() => order.push('bulk'));
    await eventually(async () => (await sut.counts()).bulk === 1);
    const early = Array.from({ length: 250 }, (_, i) =>
      sut.generate(ask(`early ${i}`, 1)).then(() => order.push('early')),
    );
    await eventually(async () => (await sut.counts()).interactive === 250);

    // The bulk job leaves the bulk class while all 250 still wait behind the blocker.
    await eventually(async () => (await sut.counts()).bulk === 0, 2_500);
    const late = Array.from({ length: 20 }, (_, i) => sut.generate(ask(`late ${i}`, 1)).then(() => order.push('late')));
    await Promise.all([blocker, bulk, ...early, ...late]);

    expect(order.indexOf('bulk')).toBeLessThan(order.indexOf('late'));
  });
});

describe(`${GenerationQueue.name} global limit`, () => {
  it('keeps a slot free of bulk work for interactive jobs', async () => {
    const sut = await started(makeQueue(llm.url, { concurrency: { mode: 'fixed', limit: 4 } }));
    const seen: number[] = [];
    const bulk = sut.generateMany(Array.from({ length: 16 }, (_, i) => ask(`bulk ${i}`, 30)));
    let sampling = true;
    void bulk.finally(() => (sampling = false));
    while (sampling) {
      seen.push(await running());
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    expect((await bulk).every((item) => item.ok)).toBe(true);
    expect(Math.max(...seen)).toBe(3);
  });

  it('parks bulk jobs beyond the bulk cap until a bulk job ends, instead of starting them again and again', async () => {
    // A limit of 2 keeps one slot for interactive work: one bulk job runs at a time.
    const sut = await started(makeQueue(llm.url, { concurrency: { mode: 'fixed', limit: 2 } }));
    // Holds the bulk slot for 2 s before its first token.
    await setFaults(llm.url, [{ kind: 'delay-first-token', delayMs: 2_000, count: 1 }]);
    const long = sut.generate(ask('long', 5), { workClass: 'bulk' });
    await eventually(async () => (await sut.counts()).active === 1);

    const short = await sut.generateMany(Array.from({ length: 3 }, (_, i) => ask(`short ${i}`, 1)));
    await long;

    expect(short.every((item) => item.ok)).toBe(true);
    const inspector = new Queue(GENERATION_QUEUE_NAME, {
      connection: redisOptionsFromUrl(queueRedisUrl()),
      prefix: QUEUE_PREFIX,
    });
    const completed = await inspector.getCompleted();
    await inspector.close();
    const starts = completed
      .filter((job) => job.data.request.messages[0].content.startsWith('short'))
      .map((job) => job.attemptsStarted);
    // Each waiting bulk job was started to find the cap taken and parked, then started again once woken
    // (a third time at most, if a wake-up raced another bulk job to the slot): not every 50 ms for the
    // two seconds the long job held the slot.
    expect(starts).toHaveLength(3);
    expect(Math.max(...starts)).toBeLessThanOrEqual(3);
  });

  it('never has more generations in flight than the limit, across two worker processes', async () => {
    const workers = await Promise.all([startWorkerProcess(3), startWorkerProcess(3)]);
    const producer = await started(
      makeQueue(llm.url, { workers: { enabled: false }, concurrency: { mode: 'fixed', limit: 3 } }),
    );
    const seen: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        seen.push(await running());
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    // Interactive: bulk work may use only the limit less the slots kept free for people.
    const results = await producer.generateMany(
      Array.from({ length: 24 }, (_, i) => ask(`job ${i}`, 30)),
      { workClass: 'interactive' },
    );
    sampling = false;
    await sampler;
    await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve).kill('SIGTERM'))));

    expect(results.every((item) => item.ok)).toBe(true);
    expect(Math.max(...seen)).toBe(3);
  });
});

describe(`${GenerationQueue.name} reliability`, () => {
  it('adopts the adaptive limit already in Redis when a process starts, instead of resetting it', async () => {
    const first = await started(
      makeQueue(llm.url, { concurrency: { mode: 'adaptive', initial: 40, min: 1, max: 100 } }),
    );
    const second = await started(
      makeQueue(llm.url, { concurrency: { mode: 'adaptive', initial: 8, min: 1, max: 100 } }),
    );

    expect(first.currentLimit).toBe(40);
    expect(second.currentLimit).toBe(40);
  });

  it('recovers a job whose worker was killed mid-job and completes it once, elsewhere', async () => {
    // The first request sits for 3 s before its first token: long enough to kill its worker mid-job.
    await setFaults(llm.url, [{ kind: 'delay-first-token', delayMs: 3_000, count: 1 }]);
    const doomed = await startWorkerProcess(1);
    const producer = await started(makeQueue(llm.url, { workers: { enabled: false } }));
    const events = new QueueEvents(GENERATION_QUEUE_NAME, {
      connection: redisOptionsFromUrl(queueRedisUrl()),
      prefix: QUEUE_PREFIX,
    });
    let completions = 0;
    events.on('completed', () => (completions += 1));
    await events.waitUntilReady();
    const result = producer.generate(ask('recover me'));
    await eventually(async () => (await producer.counts()).active === 1);

    doomed.kill('SIGKILL');
    await started(makeQueue(llm.url));

    const value = await result;
    const queue = new Queue(GENERATION_QUEUE_NAME, {
      connection: redisOptionsFromUrl(queueRedisUrl()),
      prefix: QUEUE_PREFIX,
    });
    const jobs = await queue.getJobs(['completed']);
    expect(value.text.length).toBeGreaterThan(0);
    expect(completions).toBe(1);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].stalledCounter).toBe(1);
    await Promise.all([events.close(), queue.close()]);
  });

  it('keeps the error and ids of a job failed for stalling too often, not its messages', async () => {
    // Both runs sit 5 s before their first token: each worker is killed mid-job, and the third start
    // finds the job stalled twice (more than maxStalledCount), so BullMQ fails it without running it.
    await setFaults(llm.url, [{ kind: 'delay-first-token', delayMs: 5_000, count: 2 }]);
    const producer = await started(makeQueue(llm.url, { workers: { enabled: false } }));
    const queue = new Queue(GENERATION_QUEUE_NAME, {
      connection: redisOptionsFromUrl(queueRedisUrl()),
      prefix: QUEUE_PREFIX,
    });
    const result = producer
      .generate({ messages: [{ role: 'user', content: 'case notes of Ms Okafor' }] })
      .catch((error: unknown) => error);
    for (let kill = 1; kill <= 2; kill += 1) {
      const doomed = await startWorkerProcess(1);
      await eventually(async () => {
        const [job] = await queue.getJobs(['active']);
        return job?.attemptsStarted === kill;
      });
      await new Promise((resolve) => doomed.once('exit', resolve).kill('SIGKILL'));
    }
    await started(makeQueue(llm.url));

    const failure = (await result) as GenerationError;

    expect(failure).toMatchObject({ code: 'failed', message: expect.stringMatching(/stalled/) });
    await eventually(async () => (await Job.fromId(queue, failure.details.jobId as string))?.data.redacted === true);
    expect((await Job.fromId(queue, failure.details.jobId as string))?.data).toEqual({
      redacted: true,
      workClass: 'interactive',
      stream: false,
      enqueuedAt: expect.any(Number),
    });
    await queue.close();
  }, 60_000);

  it('does not run a job again after an LLM failure: the LLM client retried it already', async () => {
    // The test kit's client makes one attempt: the queue's retries, if any, would be the only ones.
    await setFaults(llm.url, [{ kind: 'status', status: 503, count: 1 }]);
    const sut = await started(makeQueue(llm.url));

    const failure = await sut.generate(ask('retry me')).catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: 'failed', details: { llmErrorKind: 'unavailable', retryable: true } });
    const queue = new Queue(GENERATION_QUEUE_NAME, {
      connection: redisOptionsFromUrl(queueRedisUrl()),
      prefix: QUEUE_PREFIX,
    });
    expect((await Job.fromId(queue, (failure as GenerationError).details.jobId as string))?.attemptsStarted).toBe(1);
    await queue.close();
  });

  it("completes in one run when the LLM client's own retry gets past the failure", async () => {
    await setFaults(llm.url, [{ kind: 'status', status: 503, count: 1 }]);
    const retrying = new LlmClient(
      testOptions({ provider: 'vllm', vllmUrl: llm.url, ollamaUrl: llm.url, retry: { maxAttempts: 2 } }),
    );
    const sut = await started(makeQueue(llm.url, { llm: retrying }));

    const result = await sut.generate(ask('retry me'));

    expect(result.attempts).toBe(1);
  });

  it('fails a non-retryable LLM failure at once, visibly', async () => {
    const sut = await started(makeQueue(llm.url));

    // vLLM refuses an empty stop string (SamplingParams._verify_args), and so does local-llm: a 400.
    const badRequest = await sut.generate({ ...ask('bad'), stop: [''] }).catch((caught: unknown) => caught);

    expect(badRequest).toBeInstanceOf(GenerationError);
    expect(badRequest).toMatchObject({ code: 'failed', details: { llmErrorKind: 'bad_request', retryable: false } });
    const queue = new Queue(GENERATION_QUEUE_NAME, {
      connection: redisOptionsFromUrl(queueRedisUrl()),
      prefix: QUEUE_PREFIX,
    });
    const job = await Job.fromId(queue, (badRequest as GenerationError).details.jobId as string);
    expect(job?.attemptsMade).toBe(1);
    // The failed job keeps its error and ids for a day, not the adviser's text.
    expect(job?.failedReason).toMatch(/bad_request/);
    expect(job?.data).toEqual({
      redacted: true,
      workClass: 'interactive',
      stream: false,
      enqueuedAt: expect.any(Number),
    });
    await queue.close();
  });

  it('runs one generation for two calls with the same idempotency key', async () => {
    const sut = await started(makeQueue(llm.url));
    const before = await metricValue(llm.url, 'vllm:request_success_total', 'finished_reason="length"');

    const [first, second] = await Promise.all([
      sut.generate(ask('once', 10), { idempotencyKey: 'letter-42' }),
      sut.generate(ask('once', 10), { idempotencyKey: 'letter-42' }),
    ]);

    expect(second).toEqual(first);
    expect(await metricValue(llm.url, 'vllm:request_success_total', 'finished_reason="length"')).toBe(before + 1);
  });

  it('drains on shutdown: a running job finishes before close resolves', async () => {
    const sut = makeQueue(llm.url);
    await sut.start();
    const result = sut.generate(ask('finish me', 200));
    await eventually(async () => (await running()) === 1);

    await sut.close();

    await expect(result).resolves.toMatchObject({ usage: { completionTokens: 200 } });
  });
});

describe(`${GenerationQueue.name} cancellation and streams`, () => {
  it('removes a waiting job when its caller cancels', async () => {
    const sut = await started(makeQueue(llm.url, { concurrency: { mode: 'fixed', limit: 1 } }));
    // Holds the one slot for 3 s before its first token.
    await setFaults(llm.url, [{ kind: 'delay-first-token', delayMs: 3_000, count: 1 }]);
    const blocker = sut.generate(ask('hold', 5));
    await eventually(async () => (await sut.counts()).active === 1);
    const controller = new AbortController();
    const waiting = sut.generate(ask('never runs'), { signal: controller.signal });
    await eventually(async () => (await sut.counts()).interactive === 1);

    controller.abort();

    await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
    await eventually(async () => (await sut.counts()).interactive === 0);
    await blocker;
  });

  it('streams tokens in order, then the result', async () => {
    const sut = await started(makeQueue(llm.url));
    const tokens: string[] = [];
    let end: unknown;

    for await (const chunk of sut.stream(ask('stream', 25))) {
      if (chunk.type === 'token') tokens.push(chunk.text);
      else end = chunk.result;
    }

    expect(tokens.length).toBeGreaterThan(1);
    expect(end).toMatchObject({ text: tokens.join(''), usage: { completionTokens: 25 } });
  });

  it('reads every stream of the process over one Redis connection, not one per stream', async () => {
    const sut = await started(makeQueue(llm.url, { concurrency: { mode: 'fixed', limit: 8 } }));
    const redis = new Redis(queueRedisUrl());
    const clients = async () => ((await redis.client('LIST')) as string).trim().split('\n').length;
    const before = await clients();
    // All six wait a second before their first token, so that they are read at the same time.
    await setFaults(llm.url, [{ kind: 'delay-first-token', delayMs: 1_000, count: 6 }]);
    const streams = Array.from({ length: 6 }, async (_, i) => {
      let text = '';
      for await (const chunk of sut.stream(ask(`stream ${i}`, 10))) if (chunk.type === 'token') text += chunk.text;
      return text;
    });
    await eventually(async () => (await sut.counts()).active === 6);

    const during = await clients();
    const texts = await Promise.all(streams);

    expect(during).toBeLessThanOrEqual(before + 1);
    expect(texts.every((text) => text.length > 0)).toBe(true);
    redis.disconnect();
  });

  it('ends a stream with a typed error when the generation fails after its first tokens', async () => {
    await setFaults(llm.url, [{ kind: 'cut', afterTokens: 3 }]);
    const sut = await started(makeQueue(llm.url));
    const tokens: string[] = [];

    const consumed = (async () => {
      for await (const chunk of sut.stream(ask('cut', 50))) if (chunk.type === 'token') tokens.push(chunk.text);
    })();

    await expect(consumed).rejects.toMatchObject({ code: 'failed', details: { llmErrorKind: 'stream_interrupted' } });
    expect(tokens.length).toBeGreaterThan(0);
  });

  it("ends a stream with the job's own failure when the job fails before it writes to the stream", async () => {
    // A cancellation marked before the job starts makes the worker fail it without a stream event, as a
    // job dropped after stalling twice would be; the stream must not wait out its timeout (it has none
    // here: it ends with the failure or not at all).
    const sut = await started(makeQueue(llm.url));
    const redis = new Redis(queueRedisUrl());
    await redis.set(`${CANCELLED_KEY_PREFIX}idem-marked`, '1', 'EX', 60);
    redis.disconnect();

    const consumed = (async () => {
      for await (const _chunk of sut.stream(ask('never runs', 5), { idempotencyKey: 'marked' }));
    })();

    await expect(settledWithin(consumed, 10_000)).rejects.toMatchObject({
      code: 'cancelled',
      message: 'cancelled before it started',
    });
  });
});

describe(`${GenerationQueue.name} cancellation of a running job`, () => {
  // The simulated A100 slowed 25 times decodes under 3 tokens a second, and its free text is at least 16
  // tokens long: a job runs for over 5 s, so it can only end within the waits below if the cancellation
  // reaches the engine.
  const MAX_TOKENS = 2_000;
  let slowLlm: StartedServer;
  let worker: ChildProcess | undefined;
  const slowRunning = () => metricValue(slowLlm.url, 'vllm:num_requests_running');

  beforeAll(async () => {
    slowLlm = await startLocalLlm(['--engine', 'sim', '--profile', 'vllm-a100-8b', '--time-scale', '25']);
  });
  afterEach(async () => {
    // Killed, not drained: a job the cancellation failed to reach would hold it for half a minute.
    if (worker && worker.exitCode === null)
      await new Promise((resolve) => worker?.once('exit', resolve).kill('SIGKILL'));
    worker = undefined;
  });
  afterAll(async () => {
    await slowLlm?.stop();
  });

  it('aborts a running job on the engine when its caller cancels', async () => {
    const sut = await started(makeQueue(slowLlm.url));
    const controller = new AbortController();
    const result = sut.generate(ask('long', MAX_TOKENS), { signal: controller.signal });
    await eventually(async () => (await slowRunning()) === 1);

    controller.abort();

    await expect(result).rejects.toMatchObject({ code: 'cancelled' });
    await eventually(async () => (await slowRunning()) === 0, 2_000);
  });

  it('aborts a job running in another process: the cancellation travels over Redis pub/sub', async () => {
    worker = await startWorkerProcess(1, slowLlm.url);
    const producer = await started(makeQueue(slowLlm.url, { workers: { enabled: false } }));
    const controller = new AbortController();
    const result = producer.generate(ask('long, elsewhere', MAX_TOKENS), { signal: controller.signal });
    await eventually(async () => (await slowRunning()) === 1);

    controller.abort();

    await expect(result).rejects.toMatchObject({ code: 'cancelled' });
    await eventually(async () => (await slowRunning()) === 0, 2_000);
  });
});

describe(`${GenerationQueue.name} structured output`, () => {
  const debt = z.object({ creditor: z.string().min(1), amount: z.number().min(0) });
  const facts = z.object({ debts: z.array(debt).min(1), summary: z.string() });

  it("returns a value that the caller's zod schema parses, through a worker that knows only its JSON schema", async () => {
    const sut = await started(makeQueue(llm.url));

    const result = await sut.generateStructured({ messages: [{ role: 'user', content: 'List the debts.' }] }, facts, {
      name: 'facts',
    });

    expect(facts.parse(result.value)).toEqual(result.value);
    expect(JSON.parse(result.text)).toEqual(result.value);
  });

  it('streams structured output as JSON text, and ends with the parsed value', async () => {
    const sut = await started(makeQueue(llm.url));
    let text = '';
    let value: unknown;

    for await (const chunk of sut.stream({
      messages: [{ role: 'user', content: 'List the debts.' }],
      format: formatFor(facts, 'facts'),
    })) {
      if (chunk.type === 'token') text += chunk.text;
      else value = chunk.result.value;
    }

    expect(value).toEqual(JSON.parse(text));
    expect(facts.safeParse(value).success).toBe(true);
  });

  it("fails visibly, as a bad answer, when the value does not satisfy the caller's stricter schema", async () => {
    const sut = await started(makeQueue(llm.url));
    // The JSON Schema cannot carry a refinement: the worker accepts the value, the caller does not.
    const impossible = facts.refine(() => false, { message: 'never satisfied' });

    const failure = await sut
      .generateStructured({ messages: [{ role: 'user', content: 'List the debts.' }] }, impossible)
      .catch((caught: unknown) => caught);

    expect(failure).toBeInstanceOf(GenerationError);
    expect(failure).toMatchObject({ details: { llmErrorKind: 'invalid_output', retryable: false } });
    expect(generationFailureResponse(failure as GenerationError)).toMatchObject({
      status: 502,
      body: { error: 'LlmBadResponse', retryable: false, backend: 'vllm' },
    });
  });
});
