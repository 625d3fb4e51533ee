import { Job, UnrecoverableError, Worker } from 'bullmq';
import { redisOptionsFromUrl } from '@rma/service-core';
import { encodeFailure } from './generation-failure.codec';
import { GENERATION_QUEUE_NAME, QUEUE_PREFIX } from './generation-queue.constants';
import { GenerationError } from './generation.errors';
import { GenerationProducer } from './generation.producer';
import { ask, flushQueueRedis, queueConnections, queueRedisUrl, settledWithin } from './queue-test-kit';

// The producer alone on a real Redis. Where a job must finish, a bare BullMQ worker in the test fails it
// as the processor would (the processor has a spec of its own).
let connections: Awaited<ReturnType<typeof queueConnections>>;
let worker: Worker | undefined;
let sut: GenerationProducer;

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
  sut = new GenerationProducer({ ...connections, redisWaitMs: 2_000 });
});
afterEach(async () => {
  await worker?.close();
  worker = undefined;
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
});
