import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { redisOptionsFromUrl } from '@rma/service-core';
import { setFaults, StartedServer, startLocalLlm } from '@rma/testing';
import { Job, Queue } from 'bullmq';
import { GenerationQueue } from './generation-queue';
import { GENERATION_QUEUE_NAME, QUEUE_PREFIX } from './generation-queue.constants';
import type { GenerationResult } from './generation.schemas';
import { ask, flushQueueRedis, makeQueue, queueRedisUrl } from './queue-test-kit';

// Exactly once to completion (#14, chaos scenario 1): a worker process killed after its LLM call ended
// but before BullMQ completed the job leaves the job active, and BullMQ runs it again as stalled. Real
// processes, a real Redis, a real local-llm; the LLM server's own count of finished generations says
// whether the generation ran twice. The dying worker chooses the moment of its SIGKILL (right after its
// run ends): a kill from outside cannot hit a window a few milliseconds wide on purpose.
const workspaceRoot = join(__dirname, '..', '..', '..', '..');
let llm: StartedServer;
let queue: Queue;
const queues: GenerationQueue[] = [];

async function started(sut: GenerationQueue): Promise<GenerationQueue> {
  queues.push(sut);
  await sut.start();
  return sut;
}

/** A worker process that takes one job and dies (SIGKILL) as that run ends; resolves once it takes jobs. */
function startDyingWorker(): Promise<{ exited: Promise<NodeJS.Signals | null> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(workspaceRoot, 'tools/scripts/ts-run.cjs'),
      join(workspaceRoot, 'libs/generation-queue/src/testing/dying-worker-process.ts'),
    ],
    { env: { ...process.env, REDIS_URL: queueRedisUrl(), LLM_URL: llm.url }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve({ exited }));
    void exited.then(() => reject(new Error('the dying worker exited before it was ready')));
  });
}

/** Generations the LLM server finished (every finish reason): an aborted one never counts. */
async function finishedGenerations(): Promise<number> {
  const text = await (await fetch(`${llm.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('vllm:request_success_total{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

beforeAll(async () => {
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--admin']);
  queue = new Queue(GENERATION_QUEUE_NAME, {
    connection: redisOptionsFromUrl(queueRedisUrl()),
    prefix: QUEUE_PREFIX,
  });
});
afterAll(async () => {
  await queue?.close();
  await llm?.stop();
});
beforeEach(async () => {
  await flushQueueRedis();
  await setFaults(llm.url, []);
});
afterEach(async () => {
  await Promise.all(queues.splice(0).map((sut) => sut.close()));
});

describe('a worker killed between the end of its run and the job completing', () => {
  it('completes the job with the first run’s result, without a second generation', async () => {
    const dying = await startDyingWorker();
    const producer = await started(makeQueue(llm.url, { workers: { enabled: false } }));
    const before = await finishedGenerations();

    const result = producer.generate(ask('run me once', 30));
    expect(await dying.exited).toBe('SIGKILL');
    // The job is still active, its worker dead: this process's workers find it stalled and run it again.
    await started(makeQueue(llm.url));
    const value = await result;

    expect(await finishedGenerations()).toBe(before + 1);
    expect(value.attempts).toBe(1);
    const [job] = await queue.getJobs(['completed']);
    expect(job.stalledCounter).toBe(1);
    expect(job.returnvalue).toEqual(value);
  }, 30_000);

  it('gives a streaming caller its tokens and end once, and completes the job with that result', async () => {
    const dying = await startDyingWorker();
    const producer = await started(makeQueue(llm.url, { workers: { enabled: false } }));
    const before = await finishedGenerations();

    const chunks: string[] = [];
    let end: GenerationResult | undefined;
    for await (const chunk of producer.stream(ask('stream me once', 30), { timeoutMs: 20_000 })) {
      if (chunk.type === 'token') chunks.push(chunk.text);
      else end = chunk.result;
    }
    expect(await dying.exited).toBe('SIGKILL');
    await started(makeQueue(llm.url));
    const jobId = (await queue.getJobs(['active', 'wait', 'completed']))[0]?.id as string;
    const job = await waitForCompleted(jobId);

    expect(end?.text).toBe(chunks.join(''));
    expect(await finishedGenerations()).toBe(before + 1);
    expect(job.stalledCounter).toBe(1);
    expect(job.returnvalue).toEqual(end);
  }, 30_000);

  it('fails the job with the first run’s failure, not with a run of its redacted payload', async () => {
    const dying = await startDyingWorker();
    const producer = await started(makeQueue(llm.url, { workers: { enabled: false } }));

    const failure = producer
      // The server refuses an empty stop string (400): a failure its client does not retry.
      .generate({ messages: [{ role: 'user', content: 'case notes of Mr Adeyemi' }], stop: [''] })
      .catch((error: unknown) => error);
    expect(await dying.exited).toBe('SIGKILL');
    await started(makeQueue(llm.url));

    expect(await failure).toMatchObject({ code: 'failed', details: { llmErrorKind: 'bad_request' } });
    const [job] = await queue.getJobs(['failed']);
    expect(job.stalledCounter).toBe(1);
    expect(job.data).toEqual({
      redacted: true,
      workClass: 'interactive',
      stream: false,
      enqueuedAt: expect.any(Number),
    });
  }, 30_000);
});

async function waitForCompleted(jobId: string): Promise<Job> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    // The state first, then the record: a record read just before the job completed has no returnvalue
    // yet (CI once saw null here).
    if ((await queue.getJobState(jobId)) === 'completed') return (await Job.fromId(queue, jobId)) as Job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${jobId} did not complete within 15 s`);
}
