import { LlmClient } from '@rma/llm-provider';
import { testOptions } from '@rma/llm-provider/testing';
import { redisOptionsFromUrl } from '@rma/service-core';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { GenerationQueue, GenerationQueueOptions } from './generation-queue';
import { GENERATION_QUEUE_NAME, QUEUE_PREFIX } from './generation-queue.constants';
import type { GenerationJob } from './generation.schemas';
import { parseTokenEntry, TokenEvent, tokenStreamKey } from './token-stream';

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

/** The connections the queue's pieces take, on the test database, for a spec of one piece; `close` ends them. */
export async function queueConnections(): Promise<{
  queue: Queue;
  events: QueueEvents;
  redis: Redis;
  close: () => Promise<void>;
}> {
  const connection = { ...redisOptionsFromUrl(queueRedisUrl()), maxRetriesPerRequest: null };
  const queue = new Queue(GENERATION_QUEUE_NAME, { connection, prefix: QUEUE_PREFIX });
  const events = new QueueEvents(GENERATION_QUEUE_NAME, { connection, prefix: QUEUE_PREFIX });
  const redis = new Redis(connection);
  await events.waitUntilReady();
  return {
    queue,
    events,
    redis,
    close: async () => {
      await Promise.all([queue.close(), events.close()]);
      redis.disconnect();
    },
  };
}

/** A job payload as the producer writes it. */
export const jobPayload = (text: string, overrides: Partial<GenerationJob> = {}): GenerationJob => ({
  request: ask(text),
  workClass: 'interactive',
  stream: false,
  enqueuedAt: Date.now(),
  ...overrides,
});

/** The call's outcome, or a failure saying it was still waiting after `ms`: a hang reads as a hang. */
export function settledWithin<T>(call: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    call,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Reads one job's events from the start on a connection of its own, until `end` or `error`. */
export async function* readTokenStream(redis: Redis, jobId: string, signal: AbortSignal): AsyncGenerator<TokenEvent> {
  const key = tokenStreamKey(jobId);
  let lastId = '0';
  while (!signal.aborted) {
    const reply = (await redis.xread('COUNT', 256, 'BLOCK', 1000, 'STREAMS', key, lastId)) as
      [string, [string, string[]][]][] | null;
    for (const [, entries] of reply ?? []) {
      for (const [id, flat] of entries) {
        lastId = id;
        const event = parseTokenEntry(flat);
        if (!event) continue;
        yield event;
        if (event.type !== 'token') return;
      }
    }
  }
}
