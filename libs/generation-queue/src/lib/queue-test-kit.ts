import { LlmClient } from '@rma/llm-provider';
import { testOptions } from '@rma/llm-provider/testing';
import { Redis } from 'ioredis';
import { GenerationQueue, GenerationQueueOptions } from './generation-queue';

/** Redis database 7 of the shared test server: this suite flushes it between tests, nobody else uses it. */
export const queueRedisUrl = () => `${process.env['RMA_TEST_REDIS_URL'] as string}/7`;

export async function flushQueueRedis(): Promise<void> {
  const redis = new Redis(queueRedisUrl());
  await redis.flushdb();
  redis.disconnect();
}

/** An LLM client on one local-llm, without retries or fallback of its own, so the queue's show. */
export const llmFor = (url: string) =>
  new LlmClient(testOptions({ provider: 'vllm', vllmUrl: url, ollamaUrl: url, retry: { maxAttempts: 1 } }));

export function makeQueue(llmUrl: string, overrides: Partial<GenerationQueueOptions> = {}): GenerationQueue {
  return new GenerationQueue({
    redisUrl: queueRedisUrl(),
    llm: llmFor(llmUrl),
    concurrency: { mode: 'fixed', limit: 2 },
    backoffMs: 50,
    lockDurationMs: 1_000,
    stalledIntervalMs: 500,
    controllerTickMs: 50,
    shutdownTimeoutMs: 10_000,
    ...overrides,
  });
}

export const ask = (text: string, maxTokens = 20) => ({
  messages: [{ role: 'user' as const, content: text }],
  maxTokens,
});
