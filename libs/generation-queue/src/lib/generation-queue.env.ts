import type { LlmClient } from '@rma/llm-provider';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { GenerationQueueOptions } from './generation-queue.types';

/**
 * The GENERATION_* environment variables, for an app's config folder to merge into its schema (the
 * library never reads the environment).
 */
export const generationEnvShape = {
  GENERATION_CONCURRENCY: z
    .string()
    .default('adaptive')
    .refine((value) => value === 'adaptive' || /^fixed:[1-9][0-9]*$/.test(value), {
      error: 'expected adaptive, or fixed:N with N a whole number above 0',
    }),
  GENERATION_CONCURRENCY_MIN: z.coerce.number().int().min(1).default(1),
  GENERATION_CONCURRENCY_MAX: z.coerce.number().int().min(1).default(1024),
  GENERATION_CONCURRENCY_INITIAL: z.coerce.number().int().min(1).default(8),
  GENERATION_WORKERS: z.enum(['true', 'false'], { error: 'expected true or false' }).default('true'),
  /** Runs of a job whose worker died mid-job; an LLM failure is never run again (the LLM client retries). */
  GENERATION_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(2),
  GENERATION_BULK_AGING_MS: z.coerce.number().int().min(0).default(60_000),
  GENERATION_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** Longest wait for Redis to take or cancel a job; past it the request is a 503 with Retry-After. */
  GENERATION_REDIS_WAIT_MS: z.coerce.number().int().positive().default(2_000),
  /** Most interactive jobs that may wait; past it a request is a 503 Overloaded with Retry-After. */
  GENERATION_MAX_WAITING_INTERACTIVE: z.coerce.number().int().positive().default(1_000),
  /** Most bulk jobs that may wait (a batch counts each item); past it a batch is a 503 Overloaded. */
  GENERATION_MAX_WAITING_BULK: z.coerce.number().int().positive().default(100_000),
  /** Bull Board at /queues: auto = on unless NODE_ENV is production. */
  GENERATION_DASHBOARD: z.enum(['auto', 'true', 'false'], { error: 'expected auto, true or false' }).default('auto'),
};

export type GenerationEnv = z.output<z.ZodObject<typeof generationEnvShape>>;

/** The queue's options from validated GENERATION_* keys, read through a getter (a ConfigService's `get`). */
export function generationQueueOptionsFromConfig(
  get: (key: string) => unknown,
  deps: { redisUrl: string; llm: LlmClient; registry?: Registry },
): GenerationQueueOptions {
  const env = Object.fromEntries(Object.keys(generationEnvShape).map((key) => [key, get(key)])) as GenerationEnv;
  const fixed = env.GENERATION_CONCURRENCY.startsWith('fixed:')
    ? Number(env.GENERATION_CONCURRENCY.slice('fixed:'.length))
    : undefined;
  return {
    redisUrl: deps.redisUrl,
    llm: deps.llm,
    registry: deps.registry,
    concurrency:
      fixed !== undefined
        ? { mode: 'fixed', limit: fixed }
        : {
            mode: 'adaptive',
            initial: env.GENERATION_CONCURRENCY_INITIAL,
            min: env.GENERATION_CONCURRENCY_MIN,
            max: env.GENERATION_CONCURRENCY_MAX,
          },
    workers: { enabled: env.GENERATION_WORKERS === 'true' },
    attempts: env.GENERATION_ATTEMPTS,
    bulkAgingMs: env.GENERATION_BULK_AGING_MS || undefined,
    shutdownTimeoutMs: env.GENERATION_SHUTDOWN_TIMEOUT_MS,
    redisWaitMs: env.GENERATION_REDIS_WAIT_MS,
    maxWaiting: { interactive: env.GENERATION_MAX_WAITING_INTERACTIVE, bulk: env.GENERATION_MAX_WAITING_BULK },
  };
}
