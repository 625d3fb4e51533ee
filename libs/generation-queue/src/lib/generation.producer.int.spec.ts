import { Job, UnrecoverableError, Worker } from 'bullmq';
import { redisOptionsFromUrl } from '@rma/service-core';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { encodeFailure } from './generation-failure.codec';
import { GENERATION_QUEUE_NAME, QUEUE_PREFIX } from './generation-queue.constants';
import { GenerationError } from './generation.errors';
import { GenerationProducer } from './generation.producer';
import { QueueMetrics } from './queue-metrics';
import { TokenStreamReader } from './token-stream.reader';
import { ask, flushQueueRedis, queueConnections, queueRedisUrl, settledWithin } from './queue-test-kit';

// The producer alone on a real Redis. Where a job must finish, a bare BullMQ worker in the test fails it
// as the processor would (the processor has a spec of its own).
let connections: Awaited<ReturnType<typeof queueConnections>>;
let worker: Worker | undefined;
let sut: GenerationProducer;
let registry: Registry;
let streams: TokenStreamReader;

function failingWorker(failure: GenerationError): Worker {
  return new Worker(
    GENERATION_QUEUE_NAME,
    async (): Promise<unknown> => {
      throw new UnrecoverableError(encodeFailure(failure));
    },
    { connection: { ...redisOptionsFromUrl(queueRedisUrl()), maxRetriesPerRequest: null }, prefix: QUEUE_PREFIX },
  );
}

beforeEach(async () => {
  await flushQueueRedis();
  connections = await queueConnections();
  registry = new Registry();
  streams = new TokenStreamReader(new Redis(queueRedisUrl(), { lazyConnect: true }), connections.redis);
  sut = new GenerationProducer({
    ...connections,
    streams,
    redisWaitMs: 2_000,
    maxWaiting: { interactive: 3, bulk: 5 },
    metrics: new QueueMetrics(registry),
  });
});
afterEach(async () => {
  await worker?.close();
  worker = undefined;
  streams.close();
  await connections.close();
});

describe(GenerationProducer.name, () => {
  it('refuses a request that does not validate before adding anything', async () => {
    const refused = await sut.generate({ messages: [] }).catch((error: unknown) => error);

    expect(refused).toMatchObject({ code: 'invalid', message: expect.stringMatching(/^messages: /) });
    expect(await connections.queue.count()).toBe(0);
  });

  it('removes a waiting job when its caller aborts', async () => {
    const controller = new AbortController();
    const waiting = sut.generate(ask('never runs'), { signal: controller.signal });
    while ((await connections.queue.count()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));

    controller.abort();

    await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
    expect(await connections.queue.count()).toBe(0);
  });

  it("rejects a caller with the failure the worker encoded, and the job's id", async () => {
    worker = failingWorker(
      new GenerationError('failed', 'model fell over', { llmErrorKind: 'unavailable', retryable: true }),
    );

    const failure = await sut.generate(ask('fails')).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(GenerationError);
    expect(failure).toMatchObject({
      code: 'failed',
      message: 'model fell over',
      details: { llmErrorKind: 'unavailable', jobId: expect.any(String) },
    });
    expect(await Job.fromId(connections.queue, (failure as GenerationError).details.jobId as string)).toBeDefined();
  });

  it('ends a stream at once with the failure of a job that failed before it wrote to the stream', async () => {
    worker = failingWorker(new GenerationError('cancelled', 'cancelled before it started'));

    // No timeout of its own: the stream ends with the job's failure, or not at all.
    const consumed = (async () => {
      for await (const _chunk of sut.stream(ask('fails early')));
    })();

    await expect(settledWithin(consumed, 10_000)).rejects.toMatchObject({
      code: 'cancelled',
      message: 'cancelled before it started',
    });
  });

  it("refuses a call past its class's maximum of waiting jobs before adding it, as a retryable overloaded", async () => {
    const callers = new AbortController();
    const waiting = Array.from({ length: 3 }, (_, i) =>
      sut.generate(ask(`waits ${i}`), { signal: callers.signal }).catch(() => undefined),
    );
    while ((await connections.queue.count()) < 3) await new Promise((resolve) => setTimeout(resolve, 20));

    const refused = await sut.generate(ask('one too many')).catch((error: unknown) => error);
    const streamed = await sut
      .stream(ask('one too many, streamed'))
      .next()
      .catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(GenerationError);
    expect(refused).toMatchObject({ code: 'overloaded', refusedByQueue: true, details: { retryable: true } });
    expect(streamed).toMatchObject({ code: 'overloaded' });
    expect(await connections.queue.count()).toBe(3);
    expect(await registry.getSingleMetricAsString('generation_refused_total')).toContain(
      'generation_refused_total{class="interactive",reason="overloaded"} 2',
    );
    // The other class has its own maximum.
    const bulk = sut.generate(ask('bulk'), { workClass: 'bulk', signal: callers.signal }).catch(() => undefined);
    while ((await connections.queue.count()) < 4) await new Promise((resolve) => setTimeout(resolve, 20));
    callers.abort();
    await Promise.all([...waiting, bulk]);
  });

  it('admits no more than the maximum from a burst of callers at the same moment', async () => {
    const callers = new AbortController();

    const outcomes = Array.from({ length: 8 }, (_, i) =>
      sut.generate(ask(`burst ${i}`), { signal: callers.signal }).catch((error: unknown) => error),
    );
    while ((await connections.queue.count()) < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(await connections.queue.count()).toBe(3);
    callers.abort();
    const refused = (await Promise.all(outcomes)).filter(
      (outcome) => outcome instanceof GenerationError && outcome.code === 'overloaded',
    );
    expect(refused).toHaveLength(5);
  });

  it('refuses a batch that would take its class past the maximum as a whole, adding none of it', async () => {
    const refused = await sut
      .generateMany(Array.from({ length: 6 }, (_, i) => ask(`letter ${i}`)))
      .catch((error: unknown) => error);

    expect(refused).toMatchObject({ code: 'overloaded', message: expect.stringMatching(/6 more asked/) });
    expect(await connections.queue.count()).toBe(0);
  });
});
