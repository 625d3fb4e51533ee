// What the sections of tools/benchmarks/generation-queue.ts share: requests, the LLM client and queue as
// the services make them, and the sim engines a run starts.
import { GenerationQueue, GenerationQueueOptions, GenerationRequest } from '@rma/generation-queue';
import { LlmClient } from '@rma/llm-provider';
import { testOptions } from '@rma/llm-provider/testing';
import { metricValue, startLocalLlm, StartedServer } from '@rma/testing';
import { Redis } from 'ioredis';
// Percentiles as tools/bench reports them (interpolated between ranks, as numpy and vllm bench do).
import { percentile } from '../bench/src/metrics.ts';

export { percentile };
export const median = (values: number[]) => percentile(values, 50);

// `run` keeps one run's prompts from hitting the prefix cache another run of the same engine filled.
export const ask = (i: number, maxTokens: number, run = ''): GenerationRequest => ({
  messages: [{ role: 'user', content: `${run}Question ${i}: what are my options for priority debts?` }],
  maxTokens,
});
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A series that has not been written yet (a counter before its first request) reads as 0. */
export const metric = (url: string, name: string) => metricValue(url, name).catch(() => 0);

let redisUrl = '';
let scrapeIntervalMs = 1000;
/** The throw-away Redis of this run (every fresh queue flushes it first), and the provider's scrape interval. */
export function useRedis(url: string, scrapeMs: number): void {
  redisUrl = url;
  scrapeIntervalMs = scrapeMs;
}

/**
 * A client as the services make one, over one engine or several replicas. The provider reads each
 * replica's /metrics every second of GPU time (LLM_ROUTING_SCRAPE_INTERVAL_MS 1,000): scaled here as
 * the engines' clock is, or its gauges would be ten simulated seconds old at --time-scale 0.1.
 */
export const client = (llmUrl: string | string[], timeScale: number) =>
  new LlmClient(
    testOptions({
      provider: 'vllm',
      vllmUrl: llmUrl,
      ollamaUrl: llmUrl,
      retry: { maxAttempts: 2 },
      // The services' defaults (LLM_CHAT_*_TIMEOUT_MS) in simulated time, never under the test defaults.
      timeouts: {
        connectMs: 2_000,
        firstTokenMs: Math.max(10_000, 30_000 * timeScale),
        idleMs: Math.max(10_000, 15_000 * timeScale),
        totalMs: Math.max(30_000, 120_000 * timeScale),
      },
      routing: { scrapeIntervalMs: Math.max(20, scrapeIntervalMs * timeScale) },
    }),
  );

/** A queue as the services run it (adaptive from 8, slow start) on a flushed Redis; ticks scaled. */
export async function freshQueue(
  llmUrl: string | string[],
  timeScale: number,
  overrides: Partial<GenerationQueueOptions> = {},
  llm = client(llmUrl, timeScale),
): Promise<{ queue: GenerationQueue; llm: LlmClient }> {
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  redis.disconnect();
  const queue = new GenerationQueue({
    redisUrl,
    llm,
    concurrency: { mode: 'adaptive', initial: 8, min: 1, max: 1024 },
    // The controller ticks every 500 ms of simulated time, as it would every 500 ms against a real GPU.
    controllerTickMs: Math.max(10, 500 * timeScale),
    bulkAgingMs: 60_000,
    ...overrides,
  });
  await queue.start();
  return { queue, llm };
}

/** Servers this run started: stopped at the end even when a section fails, so none outlives the script. */
export const servers: StartedServer[] = [];
export async function simServer(profile: string, args: string[]): Promise<StartedServer> {
  const server = await startLocalLlm(['--engine', 'sim', '--profile', profile, '--max-queue', '100000', ...args]);
  servers.push(server);
  return server;
}
