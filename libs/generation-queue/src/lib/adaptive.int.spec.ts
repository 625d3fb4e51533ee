import { eventually, setFaults, StartedServer, startLocalLlm } from '@rma/testing';
import { Queue } from 'bullmq';
import { Registry } from 'prom-client';
import { GenerationQueue } from './generation-queue';
import { CONTROLLER_STATE_KEY, GENERATION_QUEUE_NAME, QUEUE_PREFIX } from './generation-queue.constants';
import { ask, flushQueueRedis, makeQueue, queueRedisUrl } from './queue-test-kit';
import { redisOptionsFromUrl } from '@rma/service-core';
import { Redis } from 'ioredis';

// The adaptive controller at run time: real Redis, a real local-llm (simulated engine) whose /metrics the
// leader reads, and its fault injection for 429/503. Conditions are polled, never timed.
const queues: GenerationQueue[] = [];

async function started(queue: GenerationQueue): Promise<GenerationQueue> {
  queues.push(queue);
  await queue.start();
  return queue;
}

/** One series of a queue's metrics, from the registry its /metrics page would show. */
async function metric(registry: Registry, name: string, labels = ''): Promise<number> {
  const text = await registry.metrics();
  const line = text.split('\n').find((row) => row.startsWith(name) && row.includes(labels));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** The global limit BullMQ enforces across every process, as stored in Redis. */
async function globalLimit(): Promise<number | null> {
  const queue = new Queue(GENERATION_QUEUE_NAME, {
    connection: redisOptionsFromUrl(queueRedisUrl()),
    prefix: QUEUE_PREFIX,
  });
  try {
    return await queue.getGlobalConcurrency();
  } finally {
    await queue.close();
  }
}

beforeEach(async () => {
  await flushQueueRedis();
});
afterEach(async () => {
  await Promise.all(queues.splice(0).map((queue) => queue.close()));
});

describe(`${GenerationQueue.name} adaptive limit from the engine's metrics`, () => {
  // Two sequences and a slow simulated GPU: what the limit lets through beyond two waits in the engine's
  // queue, where its /metrics shows it (vllm:num_requests_waiting).
  let engine: StartedServer;

  beforeAll(async () => {
    engine = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--parallel', '2', '--time-scale', '20']);
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('cuts the limit to what the engine runs plus 8 when its queue overflows, on the leader only', async () => {
    const registries = [new Registry(), new Registry()];
    const [first, second] = await Promise.all(
      registries.map((registry) =>
        started(makeQueue(engine.url, { concurrency: { mode: 'adaptive', initial: 16, min: 1, max: 32 }, registry })),
      ),
    );
    // 16 in flight on an engine that runs 2: 14 wait there, above the target of at most 8.
    const jobs = Array.from({ length: 16 }, (_, i) => first.generate(ask(`letter ${i}`, 20)).catch(() => undefined));

    await eventually(async () => ((await globalLimit()) ?? 16) <= 10, 20_000);
    const limits = await Promise.all(registries.map((registry) => metric(registry, 'generation_concurrency_limit')));
    const changes = await Promise.all(
      registries.map((registry) =>
        metric(registry, 'generation_concurrency_changes_total', 'reason="engine queue N above N"'),
      ),
    );
    // One process leads: its limit and its change count moved (later ticks may cut further as the
    // engine drains); the other's did not.
    const leader = limits[0] === 16 ? 1 : 0;
    expect(limits[1 - leader]).toBe(16);
    expect(limits[leader]).toBeLessThanOrEqual(10);
    expect(changes[1 - leader]).toBe(0);
    expect(changes[leader]).toBeGreaterThanOrEqual(1);

    await Promise.all([second.close(), ...jobs]);
  });
});

describe(`${GenerationQueue.name} adaptive limit: slow start`, () => {
  // An engine that runs 32 at once: from a limit of 2, an additive ramp would take dozens of ticks.
  let engine: StartedServer;

  beforeAll(async () => {
    engine = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--parallel', '32', '--time-scale', '5']);
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('doubles the limit per tick under a backlog while the engine is idle, and stops once its queue forms', async () => {
    const registry = new Registry();
    const sut = await started(
      // A tick of 250 ms, as in production (500 ms) longer than the engine's steps: what was sent at one tick
      // is running or queued by the next.
      makeQueue(engine.url, {
        concurrency: { mode: 'adaptive', initial: 2, min: 1, max: 256 },
        controllerTickMs: 250,
        registry,
      }),
    );
    const redis = new Redis(queueRedisUrl());
    const limits: number[] = [];
    const sampler = setInterval(
      () => void metric(registry, 'generation_concurrency_limit').then((limit) => limits.push(limit)),
      10,
    );
    try {
      const jobs = Array.from({ length: 100 }, (_, i) => sut.generate(ask(`letter ${i}`, 200)).catch(() => undefined));

      // 2 -> 4 -> 8 -> 16 -> 32 -> 64: the engine's 32 sequences filled, then its queue forms and slow start ends.
      await eventually(async () => (await redis.hget(CONTROLLER_STATE_KEY, 'slowStart')) === '0', 20_000);
      const doublings = await metric(registry, 'generation_concurrency_changes_total', 'reason="slow start"');
      expect(doublings).toBeGreaterThanOrEqual(4);
      expect(Math.max(...limits)).toBeGreaterThanOrEqual(32);
      // The limit as it moved: each step of the ramp a doubling.
      const moves = limits.filter((limit, i) => i === 0 || limit !== limits[i - 1]);
      expect(moves.slice(0, 5)).toEqual([2, 4, 8, 16, 32]);
      await Promise.all(jobs);
    } finally {
      clearInterval(sampler);
      redis.disconnect();
    }
  });
});

describe.each([429, 503])(`${GenerationQueue.name} adaptive limit on a %s`, (status) => {
  let engine: StartedServer;

  beforeAll(async () => {
    engine = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--admin']);
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it("halves the limit; the job fails with the answer's verdict, not run again by the queue", async () => {
    const registry = new Registry();
    const sut = await started(
      makeQueue(engine.url, { concurrency: { mode: 'adaptive', initial: 8, min: 1, max: 8 }, registry }),
    );
    // With no backlog the limit holds: only the overload can move it.
    await eventually(async () => (await metric(registry, 'generation_concurrency_limit')) === 8);
    await setFaults(engine.url, [{ kind: 'status', status, retryAfterSeconds: 1, count: 1 }]);

    // The test kit's client makes one attempt (in production its own retries come first).
    const failure = await sut.generate(ask('one letter', 5)).catch((error: unknown) => error);

    await eventually(async () => (await metric(registry, 'generation_concurrency_limit')) === 4, 5_000);
    expect(await globalLimit()).toBe(4);
    expect(await metric(registry, 'generation_concurrency_changes_total', 'reason="backoff"')).toBe(1);
    expect(failure).toMatchObject({ code: 'failed', details: { retryable: true } });
  });
});
