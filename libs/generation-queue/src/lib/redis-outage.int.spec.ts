import { eventually, freePort, StartedServer, startLocalLlm } from '@rma/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisOptionsFromUrl } from '@rma/service-core';
import { Job, Queue } from 'bullmq';
import { GenerationQueue } from './generation-queue';
import { GENERATION_QUEUE_NAME, QUEUE_PREFIX } from './generation-queue.constants';
import { GenerationError } from './generation.errors';
import { ask, llmFor } from './queue-test-kit';

// A Redis of this file's own (a real redis-server), frozen with SIGSTOP, thawed, killed and started
// again on the same port, while a GenerationQueue and its workers use it: the faults a real Redis shows
// on a bad day. The LLM is a real local-llm on its simulated engine.
const REDIS_WAIT_MS = 500;
let llm: StartedServer;
let port: number;
let dir: string;
let redis: ChildProcess | undefined;
let sut: GenerationQueue;

const redisUrl = () => `redis://127.0.0.1:${port}`;

async function startRedis(): Promise<void> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''], {
    stdio: 'ignore',
  });
  redis = child;
  for (let tries = 0; tries < 100; tries += 1) {
    const up = await fetch(`http://127.0.0.1:${port}`).then(
      () => true,
      (error: { cause?: { code?: string } }) => error.cause?.code !== 'ECONNREFUSED',
    );
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not listen on ${port}`);
}

async function stopRedis(): Promise<void> {
  const child = redis;
  redis = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGCONT');
  child.kill('SIGKILL');
  await exited;
}

/** The call's outcome, or a failure saying it was still waiting: a hang reads as a hang, not a timeout. */
function settledWithin<T>(call: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    call,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms).unref()),
  ]);
}

/** Calls again (after a pause) while the call is refused; the refusals are collected for the test to check. */
async function eventuallyServed<T>(call: () => Promise<T>, refusals: unknown[], timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await settledWithin(call(), 10_000);
    } catch (error) {
      refusals.push(error);
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

beforeAll(async () => {
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast']);
  port = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'rma-outage-'));
  await startRedis();
  sut = new GenerationQueue({
    redisUrl: redisUrl(),
    llm: llmFor(llm.url),
    concurrency: { mode: 'fixed', limit: 4 },
    redisWaitMs: REDIS_WAIT_MS,
    shutdownTimeoutMs: 2_000,
  });
  await sut.start();
}, 60_000);

afterAll(async () => {
  redis?.kill('SIGCONT');
  await sut?.close().catch(() => undefined);
  await stopRedis();
  await llm?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe(`${GenerationQueue.name} with Redis frozen or down`, () => {
  it('refuses a generation with queue_unavailable while Redis is frozen, and serves again once it thaws', async () => {
    await expect(sut.generate(ask('before', 3))).resolves.toMatchObject({ text: expect.any(String) });

    redis?.kill('SIGSTOP');
    const frozen = await settledWithin(sut.generate(ask('frozen', 3), { timeoutMs: 20_000 }), 10_000).catch(
      (error: unknown) => error,
    );
    redis?.kill('SIGCONT');

    expect(frozen).toMatchObject({ code: 'queue_unavailable', message: expect.stringMatching(/within 500 ms/) });
    const after = await eventuallyServed(() => sut.generate(ask('after', 3)), [], 20_000);
    expect(after).toMatchObject({ text: expect.any(String) });
    // The add Redis took only once it thawed was marked cancelled first: it never reached the LLM.
    const jobId = (frozen as GenerationError).details.jobId as string;
    const inspector = new Queue(GENERATION_QUEUE_NAME, {
      connection: redisOptionsFromUrl(redisUrl()),
      prefix: QUEUE_PREFIX,
    });
    const refused = await Job.fromId(inspector, jobId);
    await eventually(async () => (await refused?.getState()) === 'failed', 10_000);
    expect((await Job.fromId(inspector, jobId))?.failedReason).toMatch(/cancelled before it started/);
    await inspector.close();
  });

  it('refuses while Redis is down, and recovers without a restart when it comes back', async () => {
    await stopRedis();

    const down = await settledWithin(sut.generate(ask('down', 3)), 10_000).catch((error: unknown) => error);
    const batch = await settledWithin(sut.generateMany([ask('a', 3), ask('b', 3)]), 10_000).catch(
      (error: unknown) => error,
    );
    await startRedis();

    expect(down).toMatchObject({ code: 'queue_unavailable' });
    expect(batch).toMatchObject({ code: 'queue_unavailable' });
    // As a client told Retry-After would: each try is refused quickly until the queue has reconnected.
    const refusals: unknown[] = [];
    const back = await eventuallyServed(() => sut.generate(ask('back', 3)), refusals, 30_000);
    expect(back).toMatchObject({ text: expect.any(String) });
    expect(refusals.every((error) => (error as { code?: string }).code === 'queue_unavailable')).toBe(true);
  }, 60_000);

  it('never adds a generation it refused while Redis was down once Redis is back (no command waits offline)', async () => {
    await stopRedis();

    const refused = await settledWithin(sut.generate(ask('refused while down', 3)), 10_000).catch(
      (error: unknown) => error,
    );
    const refusedBatch = await settledWithin(sut.generateMany([ask('c', 3), ask('d', 3)]), 10_000).catch(
      (error: unknown) => error,
    );
    await startRedis();
    const back = await eventuallyServed(() => sut.generate(ask('served after', 3)), [], 30_000);

    expect(refused).toMatchObject({ code: 'queue_unavailable' });
    expect(refusedBatch).toMatchObject({ code: 'queue_unavailable' });
    expect(back).toMatchObject({ text: expect.any(String) });
    // The restarted Redis started empty: every job in it came after the restart. The refused ones' adds
    // (and their admission) must not be among them; before, they waited in the client's offline queue
    // and ran on reconnecting.
    const inspector = new Queue(GENERATION_QUEUE_NAME, {
      connection: redisOptionsFromUrl(redisUrl()),
      prefix: QUEUE_PREFIX,
    });
    const jobs = await inspector.getJobs(['waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed']);
    await inspector.close();
    expect(jobs.map((job) => job.id)).not.toContain((refused as GenerationError).details.jobId);
    expect(
      jobs.map(
        (job) => (job.data as { request: { messages: Array<{ content: string }> } }).request.messages.at(-1)?.content,
      ),
    ).toEqual([expect.stringContaining('served after')]);
  }, 60_000);

  it('serves a generation sent while Redis restarts within GENERATION_REDIS_WAIT_MS: it waits for the connection', async () => {
    await eventuallyServed(() => sut.generate(ask('before the restart', 3)), [], 30_000);
    await stopRedis();

    const during = settledWithin(sut.generate(ask('during the restart', 3), { timeoutMs: 20_000 }), 15_000);
    await startRedis();

    await expect(during).resolves.toMatchObject({ text: expect.any(String) });
  }, 60_000);
});
