// A worker process for tests: `node tools/scripts/ts-run.cjs libs/generation-queue/src/testing/worker-process.ts`
// with REDIS_URL, LLM_URL and LIMIT in the environment. Prints "ready" once it takes jobs; SIGTERM drains it.
import { LlmClient } from '@rma/llm-provider';
import { testOptions } from '@rma/llm-provider/testing';
import { GenerationQueue } from '../lib/generation-queue';

async function main(): Promise<void> {
  const llmUrl = process.env['LLM_URL'] as string;
  const queue = new GenerationQueue({
    redisUrl: process.env['REDIS_URL'] as string,
    llm: new LlmClient(
      testOptions({ provider: 'vllm', vllmUrl: llmUrl, ollamaUrl: llmUrl, retry: { maxAttempts: 1 } }),
    ),
    concurrency: { mode: 'fixed', limit: Number(process.env['LIMIT'] ?? 1) },
    lockDurationMs: 1_000,
    stalledIntervalMs: 500,
  });
  await queue.start();
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => void queue.close().then(() => process.exit(0)));
}

void main();
