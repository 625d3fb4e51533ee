import { freePort } from '@rma/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { FanOutQueue } from './flow/fan-out-queue';
import { GenerationQueue } from './generation-queue';
import { llmFor } from './queue-test-kit';

// Ctrl-C on `npm start` signals every process at once, and Redis, quickest to stop, is often gone before
// a service closes its queues. Closing must not wait for it then: BullMQ's close and disconnect never
// settle while ioredis has no socket, and a wait per queue made doc-processor take 6-8 s to stop. A
// redis-server of this file's own, SIGKILLed; no LLM call is made (the LLM's URL answers nothing).
const CLOSE_BOUND_MS = 500;
let redis: ChildProcess | undefined;
let redisUrl: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

async function startRedis(): Promise<void> {
  const port = await freePort();
  redisUrl = `redis://127.0.0.1:${port}`;
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
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

/** SIGKILL, as a Ctrl-C that reached Redis first leaves it: every connection is refused from now on. */
async function killRedis(): Promise<void> {
  const child = redis;
  redis = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once('exit', resolve).kill('SIGKILL'));
  // Long enough for every connection to see its socket close and start reconnecting.
  await new Promise((resolve) => setTimeout(resolve, 300));
}

async function timedClose(close: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await close();
  return performance.now() - started;
}

beforeEach(async () => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
  await startRedis();
});
afterEach(async () => {
  await killRedis();
  process.off('unhandledRejection', onUnhandled);
});

describe('closing the queues with Redis already gone', () => {
  it(`closes a GenerationQueue with workers within ${CLOSE_BOUND_MS} ms`, async () => {
    const sut = new GenerationQueue({
      redisUrl,
      llm: llmFor('http://127.0.0.1:1'),
      concurrency: { mode: 'fixed', limit: 2 },
    });
    await sut.start();
    await killRedis();

    const ms = await timedClose(() => sut.close());
    // Closes left pending must not fail later as unhandled rejections (a service exits 1 on one).
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(ms).toBeLessThan(CLOSE_BOUND_MS);
    expect(unhandled).toEqual([]);
  });

  it(`closes a FanOutQueue with workers within ${CLOSE_BOUND_MS} ms`, async () => {
    const sut = new FanOutQueue<{ label: string }, { value: number }, number, void>({
      redisUrl,
      name: 'test-shutdown',
      workers: { enabled: true, partConcurrency: 2, wholeConcurrency: 1 },
      processPart: async (part) => part.value,
      processWhole: async () => undefined,
    });
    await sut.counts();
    await killRedis();

    const ms = await timedClose(() => sut.close());
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(ms).toBeLessThan(CLOSE_BOUND_MS);
    expect(unhandled).toEqual([]);
  });
});
