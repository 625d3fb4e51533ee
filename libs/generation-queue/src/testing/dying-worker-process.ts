// A worker process for tests that SIGKILLs itself the moment its first run ends (result or failure),
// before BullMQ's Worker can report the outcome to Redis: the window in which a worker's death used to
// make BullMQ run a finished generation again. A real process, a real Worker, a real LLM call; only the
// moment of the kill is chosen, since a kill from outside cannot hit a window a few milliseconds wide.
// `node tools/scripts/ts-run.cjs libs/generation-queue/src/testing/dying-worker-process.ts` with REDIS_URL
// and LLM_URL in the environment. Prints "ready" once it takes jobs.
import { LlmClient } from '@rma/llm-provider';
import { testOptions } from '@rma/llm-provider/testing';
import { redisOptionsFromUrl } from '@rma/service-core';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { GENERATION_QUEUE_NAME, QUEUE_PREFIX } from '../lib/generation-queue.constants';
import { GenerationProcessor } from '../lib/generation.processor';
import { QueueMetrics } from '../lib/queue-metrics';
import { RunOutcomes } from '../lib/run-outcome';

async function main(): Promise<void> {
  const llmUrl = process.env['LLM_URL'] as string;
  const connection = { ...redisOptionsFromUrl(process.env['REDIS_URL'] as string), maxRetriesPerRequest: null };
  const redis = new Redis(connection);
  const processor = new GenerationProcessor({
    llm: new LlmClient(
      testOptions({ provider: 'vllm', vllmUrl: llmUrl, ollamaUrl: llmUrl, retry: { maxAttempts: 1 } }),
    ),
    redis,
    // The governor is not what this process tests: no bulk slots, no controller signals.
    governor: {
      takeBulkSlot: async () => ({ release: async () => undefined }),
      reportOverload: async () => undefined,
      reportTtft: async () => undefined,
    },
    metrics: new QueueMetrics(new Registry()),
    outcomes: new RunOutcomes(redis, { completedSeconds: 600, failedSeconds: 600 }),
  });
  const die = () => process.kill(process.pid, 'SIGKILL');
  const worker = new Worker(GENERATION_QUEUE_NAME, (job, token) => processor.run(job, token).finally(die), {
    connection,
    prefix: QUEUE_PREFIX,
    concurrency: 1,
    lockDuration: 1_000,
    stalledInterval: 500,
  });
  await worker.waitUntilReady();
  process.stdout.write('ready\n');
}

void main();
