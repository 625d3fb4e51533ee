import { LlmClient } from '@rma/llm-provider';
import { testOptions } from '@rma/llm-provider/testing';
import { setFaults, StartedServer, startLocalLlm } from '@rma/testing';
import { redisOptionsFromUrl } from '@rma/service-core';
import { Job, QueueEvents, Worker } from 'bullmq';
import { Registry } from 'prom-client';
import { decodeFailure } from './generation-failure.codec';
import {
  CANCELLED_KEY_PREFIX,
  GENERATE_JOB_NAME,
  GENERATION_QUEUE_NAME,
  QUEUE_PREFIX,
} from './generation-queue.constants';
import type { BulkSlot } from './bulk-slots';
import type { WorkerGovernor } from './generation.governor';
import { GenerationProcessor } from './generation.processor';
import {
  flushQueueRedis,
  jobPayload,
  llmFor,
  queueConnections,
  queueRedisUrl,
  readTokenStream,
} from './queue-test-kit';
import { QueueMetrics } from './queue-metrics';
import { RunOutcomes } from './run-outcome';
import type { TokenEvent } from './token-stream';

// The processor under a BullMQ Worker on a real Redis, calling a real local-llm. The governor is a
// recording stand-in for the narrow interface the processor uses (the governor has a spec of its own).
class RecordingGovernor implements WorkerGovernor {
  readonly ttfts: number[] = [];
  overloads = 0;
  async takeBulkSlot(): Promise<BulkSlot> {
    return { release: async () => undefined };
  }
  async reportOverload(): Promise<void> {
    this.overloads += 1;
  }
  async reportTtft(ms: number): Promise<void> {
    this.ttfts.push(ms);
  }
}

let llm: StartedServer;
let connections: Awaited<ReturnType<typeof queueConnections>>;
let worker: Worker;
let governor: RecordingGovernor;
let sut: GenerationProcessor;

beforeAll(async () => {
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--admin']);
});
afterAll(async () => {
  await llm?.stop();
});
beforeEach(async () => {
  await flushQueueRedis();
  await setFaults(llm.url, []);
  connections = await queueConnections();
  governor = new RecordingGovernor();
  sut = new GenerationProcessor({
    llm: llmFor(llm.url),
    redis: connections.redis,
    governor,
    metrics: new QueueMetrics(new Registry()),
    outcomes: new RunOutcomes(connections.redis, { completedSeconds: 60, failedSeconds: 60 }),
  });
  worker = new Worker(GENERATION_QUEUE_NAME, (job, token) => sut.run(job, token), {
    connection: { ...redisOptionsFromUrl(queueRedisUrl()), maxRetriesPerRequest: null },
    prefix: QUEUE_PREFIX,
    concurrency: 4,
  });
});
afterEach(async () => {
  await worker.close();
  await connections.close();
});

/** The job's outcome: its result, or the GenerationError its failure carries. */
async function outcome(job: Job, events: QueueEvents): Promise<unknown> {
  return job.waitUntilFinished(events, 20_000).catch((error: Error) => decodeFailure(error.message, job.id as string));
}

describe(GenerationProcessor.name, () => {
  it("writes a streamed job's tokens to its stream, then the end, and reports its time to first token", async () => {
    const job = await connections.queue.add(GENERATE_JOB_NAME, jobPayload('stream me', { stream: true }), {
      attempts: 1,
    });
    await outcome(job, connections.events);

    const events: TokenEvent[] = [];
    for await (const event of readTokenStream(connections.redis, job.id as string, new AbortController().signal))
      events.push(event);

    expect(events.filter((event) => event.type === 'token').length).toBeGreaterThan(1);
    expect(events.at(-1)).toMatchObject({ type: 'end', attempt: 1 });
    expect(governor.ttfts).toHaveLength(1);
  });

  it('fails a non-retryable LLM failure at once, keeping its error and ids and dropping the messages', async () => {
    const job = await connections.queue.add(
      GENERATE_JOB_NAME,
      jobPayload('bad', { request: { messages: [{ role: 'user', content: 'case notes' }], stop: [''] } }),
      { attempts: 3 },
    );

    const failure = await outcome(job, connections.events);

    expect(failure).toMatchObject({ code: 'failed', details: { llmErrorKind: 'bad_request', retryable: false } });
    const failed = await Job.fromId(connections.queue, job.id as string);
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.data).toEqual({
      redacted: true,
      workClass: 'interactive',
      stream: false,
      enqueuedAt: expect.any(Number),
    });
  });

  it('tells the governor about a 429, so that the limit shrinks', async () => {
    await setFaults(llm.url, [{ kind: 'status', status: 429, count: 1 }]);
    const job = await connections.queue.add(GENERATE_JOB_NAME, jobPayload('busy'), { attempts: 1 });

    const failure = await outcome(job, connections.events);

    expect(failure).toMatchObject({ details: { llmErrorKind: 'rate_limited' } });
    expect(governor.overloads).toBe(1);
  });

  it('tells the governor about an LLM timeout: under load it is overload, not a model failure', async () => {
    await worker.close();
    // A first-token timeout shorter than the engine's (injected) delay: the client gives up first.
    const impatient = new GenerationProcessor({
      llm: new LlmClient(
        testOptions({
          provider: 'vllm',
          vllmUrl: llm.url,
          ollamaUrl: llm.url,
          timeouts: { firstTokenMs: 300 },
          retry: { maxAttempts: 1 },
        }),
      ),
      redis: connections.redis,
      governor,
      metrics: new QueueMetrics(new Registry()),
      outcomes: new RunOutcomes(connections.redis, { completedSeconds: 60, failedSeconds: 60 }),
    });
    worker = new Worker(GENERATION_QUEUE_NAME, (job, token) => impatient.run(job, token), {
      connection: { ...redisOptionsFromUrl(queueRedisUrl()), maxRetriesPerRequest: null },
      prefix: QUEUE_PREFIX,
    });
    await setFaults(llm.url, [{ kind: 'delay-first-token', delayMs: 2_000, count: 1 }]);
    const job = await connections.queue.add(GENERATE_JOB_NAME, jobPayload('slow', { stream: true }), { attempts: 3 });

    const failure = await outcome(job, connections.events);

    expect(failure).toMatchObject({ code: 'failed', details: { llmErrorKind: 'timeout' } });
    expect(governor.overloads).toBe(1);
    expect((await Job.fromId(connections.queue, job.id as string))?.attemptsMade).toBe(1);
  });

  it('fails a job marked cancelled before it started without calling the LLM', async () => {
    await connections.redis.set(`${CANCELLED_KEY_PREFIX}marked`, '1', 'EX', 60);
    const job = await connections.queue.add(GENERATE_JOB_NAME, jobPayload('never runs'), { jobId: 'marked' });

    const failure = await outcome(job, connections.events);

    expect(failure).toMatchObject({ code: 'cancelled', message: 'cancelled before it started' });
    expect(governor.ttfts).toHaveLength(0);
  });
});
