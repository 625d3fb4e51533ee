import type { Registry } from 'prom-client';
import { z } from 'zod';
import { DEFAULT_EMBEDDING_LIMITS, EmbeddingLimits } from './resilience/embedding-slots';
import { DEFAULT_ROUTING, ROUTING_STRATEGIES, RoutingOptions } from './routing/routing-policy';
import { TrafficSplit, trafficSplitEnvShape } from './routing/traffic-split';

export type BackendKind = 'vllm' | 'ollama';
export type LlmRole = 'chat' | 'embedding' | 'vision';

export interface RoleTimeouts {
  /** To open the TCP connection. */
  connectMs: number;
  /** From the request to the first token (for a call that is not streamed: to the answer). */
  firstTokenMs: number;
  /** Longest gap between two streamed chunks. */
  idleMs: number;
  /** The whole call, retries and fallback included (a call not streamed gets at least its answer time). */
  totalMs: number;
  /**
   * A call that is not streamed may take firstTokenMs + maxTokens x this for its answer (default 100 ms,
   * 10 tokens/s): a long answer under load is not cut at the first-token timeout.
   */
  tokenAllowanceMs?: number;
}

export interface RoleOptions {
  provider: BackendKind;
  /** Overrides the provider's replicas for this role (embeddings often run on their own server). */
  urls?: string[];
  fallback?: BackendKind;
  /** The model, as an Ollama tag or a Hugging Face name; `modelNames` maps it for each backend. */
  model: string;
  timeouts: RoleTimeouts;
}

export interface LlmProviderOptions {
  /** Each engine's replicas (one URL each, at least one); calls are routed across them. */
  backends: { vllm: { urls: string[]; apiKey?: string }; ollama: { urls: string[] } };
  roles: Record<LlmRole, RoleOptions>;
  /** Pairs of the same model's names: Ollama tag -> Hugging Face name (vLLM). */
  modelNames: Record<string, string>;
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  breaker: { failureThreshold: number; failureRate: number; windowSize: number; minCalls: number; openMs: number };
  /** Texts per embedding request. */
  embeddingBatchSize: number;
  /** Embedding requests at once and waiting, per use, in this process; defaults in `DEFAULT_EMBEDDING_LIMITS`. */
  embeddingLimits?: EmbeddingLimits;
  /** How a call picks a backend's replica; defaults in `DEFAULT_ROUTING`. */
  routing?: Partial<RoutingOptions>;
  /** Each role's split between backends (a canary) until one is set at run time; a backend it names joins the role. */
  trafficSplit?: TrafficSplit;
  /** How often the Nest module reads the split from Redis; default 1 s. */
  trafficSplitPollMs?: number;
  /** Where the library's metrics go; apps pass their /metrics registry. */
  registry?: Registry;
}

const KINDS = ['vllm', 'ollama'] as const;
/** Per token of a call that is not streamed, when a role sets none: 10 tokens/s, slow for any engine serving. */
export const DEFAULT_TOKEN_ALLOWANCE_MS = 100;
const ms = (fallback: number) =>
  z.coerce
    .number({ error: 'expected a whole number of milliseconds' })
    .int({ error: 'expected a whole number of milliseconds' })
    .positive({ error: 'expected a whole number of milliseconds above 0' })
    .default(fallback);
const count = (min: number, fallback: number) =>
  z.coerce
    .number({ error: `expected a whole number, ${min} or more` })
    .int({ error: `expected a whole number, ${min} or more` })
    .min(min, { error: `expected a whole number, ${min} or more` })
    .default(fallback);
const url = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((value) => /^https?:\/\/[^/]+/.test(value), { error: 'expected an http:// or https:// URL' });
const kind = z.enum(KINDS, { error: 'expected vllm or ollama' });
const optionalKind = z
  .union([kind, z.enum(['', 'none'])], { error: 'expected vllm, ollama or none' })
  .optional()
  .transform((value) => (value === '' || value === 'none' ? undefined : value));
const optionalUrl = z
  .string()
  .optional()
  .transform((value) => value || undefined)
  .refine((value) => value === undefined || /^https?:\/\/[^/]+/.test(value), {
    error: 'expected an http:// or https:// URL',
  });

const HTTP_URL = /^https?:\/\/[^/]+/;
/**
 * A comma-separated list of replica URLs; empty means unset. A URL listed twice would get a double share
 * of the traffic and two breakers for one server, so it is refused.
 */
const urlList = z
  .string()
  .optional()
  .transform((value) =>
    value
      ?.split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  )
  .transform((urls) => (urls && urls.length > 0 ? urls : undefined))
  .refine((urls) => urls === undefined || urls.every((entry) => HTTP_URL.test(entry)), {
    error: 'expected comma-separated http:// or https:// URLs',
  })
  .refine((urls) => urls === undefined || new Set(urls.map(withoutSlash)).size === urls.length, {
    error: 'expected each URL once (a replica listed twice would get twice the traffic)',
  });

function withoutSlash(value: string): string {
  return value.replace(/\/+$/, '');
}

const roleEnv = (role: string, defaults: { model: string; firstTokenMs: number; idleMs: number; totalMs: number }) => ({
  // Empty means unset (`LLM_CHAT_PROVIDER=` in a .env copied from .env.example): the role follows LLM_PROVIDER.
  [`LLM_${role}_PROVIDER`]: z.preprocess((value) => (value === '' ? undefined : value), kind.optional()),
  [`LLM_${role}_URL`]: optionalUrl,
  // The role's replicas; wins over LLM_<ROLE>_URL when both are set.
  [`LLM_${role}_URLS`]: urlList,
  [`LLM_${role}_FALLBACK`]: optionalKind,
  [`LLM_${role}_MODEL`]: z.string().min(1).default(defaults.model),
  [`LLM_${role}_CONNECT_TIMEOUT_MS`]: ms(2_000),
  [`LLM_${role}_FIRST_TOKEN_TIMEOUT_MS`]: ms(defaults.firstTokenMs),
  [`LLM_${role}_IDLE_TIMEOUT_MS`]: ms(defaults.idleMs),
  [`LLM_${role}_TOTAL_TIMEOUT_MS`]: ms(defaults.totalMs),
});

/**
 * The LLM_* environment variables, for an app's config folder to merge into its schema (the library
 * itself never reads the environment). Defaults run against the local LLM server.
 */
export const llmEnvShape = {
  LLM_PROVIDER: kind.default('vllm'),
  LLM_FALLBACK: optionalKind,
  VLLM_URL: url('http://127.0.0.1:8000'),
  VLLM_API_KEY: z.string().optional(),
  OLLAMA_URL: url('http://127.0.0.1:11434'),
  // Replica lists: each wins over its one-URL variable when set (a .env copied from .env.example keeps
  // VLLM_URL, so adding the list alone is enough).
  LLM_VLLM_URLS: urlList,
  LLM_OLLAMA_URLS: urlList,
  LLM_ROUTING: z
    .enum(ROUTING_STRATEGIES, { error: 'expected least-loaded or round-robin' })
    .default(DEFAULT_ROUTING.strategy),
  LLM_ROUTING_SCRAPE_INTERVAL_MS: ms(DEFAULT_ROUTING.scrapeIntervalMs),
  LLM_AFFINITY_MARGIN: z.coerce
    .number({ error: 'expected a number of requests, 0 or more' })
    .min(0, { error: 'expected a number of requests, 0 or more' })
    .default(DEFAULT_ROUTING.affinityMargin),
  ...trafficSplitEnvShape,
  LLM_MODEL_NAMES: z
    .string()
    .default('llama3.2=meta-llama/Llama-3.2-3B-Instruct')
    .refine((value) => value.split(',').every((pair) => pair.trim() === '' || /^[^=]+=[^=]+$/.test(pair.trim())), {
      error: 'expected comma-separated pairs ollama-tag=huggingface/name',
    }),
  LLM_EMBEDDING_BATCH_SIZE: z.coerce.number().int().min(1).max(2048).default(64),
  // Per process: questions' embeddings and ingests' (bulk) have their own slots and waiting lines.
  LLM_EMBEDDING_CONCURRENCY: count(1, DEFAULT_EMBEDDING_LIMITS.interactive.concurrency),
  LLM_EMBEDDING_MAX_WAITING: count(0, DEFAULT_EMBEDDING_LIMITS.interactive.maxWaiting),
  LLM_EMBEDDING_BULK_CONCURRENCY: count(1, DEFAULT_EMBEDDING_LIMITS.bulk.concurrency),
  LLM_EMBEDDING_BULK_MAX_WAITING: count(0, DEFAULT_EMBEDDING_LIMITS.bulk.maxWaiting),
  LLM_RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  LLM_RETRY_BASE_DELAY_MS: ms(200),
  LLM_RETRY_MAX_DELAY_MS: ms(5_000),
  LLM_BREAKER_FAILURE_THRESHOLD: z.coerce.number().int().min(1).default(5),
  LLM_BREAKER_FAILURE_RATE: z.coerce.number().gt(0).max(1).default(0.5),
  LLM_BREAKER_WINDOW: z.coerce.number().int().min(1).default(20),
  LLM_BREAKER_MIN_CALLS: z.coerce.number().int().min(1).default(10),
  LLM_BREAKER_OPEN_MS: ms(30_000),
  ...roleEnv('CHAT', { model: 'llama3.2', firstTokenMs: 30_000, idleMs: 15_000, totalMs: 120_000 }),
  LLM_CHAT_TOKEN_ALLOWANCE_MS: ms(DEFAULT_TOKEN_ALLOWANCE_MS),
  ...roleEnv('EMBEDDING', { model: 'llama3.2', firstTokenMs: 30_000, idleMs: 30_000, totalMs: 60_000 }),
  ...roleEnv('VISION', { model: 'llava', firstTokenMs: 60_000, idleMs: 30_000, totalMs: 180_000 }),
  LLM_VISION_TOKEN_ALLOWANCE_MS: ms(DEFAULT_TOKEN_ALLOWANCE_MS),
};

export type LlmEnv = z.output<z.ZodObject<typeof llmEnvShape>>;

/** Builds the library's options from validated LLM_* variables (see `llmEnvShape`). */
export function llmOptionsFromEnv(env: LlmEnv, registry?: Registry): LlmProviderOptions {
  const value = env as Record<string, unknown>;
  const role = (
    name: 'CHAT' | 'EMBEDDING' | 'VISION',
    defaultProvider: BackendKind,
    defaultFallback?: BackendKind,
  ): RoleOptions => ({
    provider: (value[`LLM_${name}_PROVIDER`] as BackendKind | undefined) ?? defaultProvider,
    urls: oneOrMany(value[`LLM_${name}_URLS`], value[`LLM_${name}_URL`]),
    fallback: (value[`LLM_${name}_FALLBACK`] as BackendKind | undefined) ?? defaultFallback,
    model: value[`LLM_${name}_MODEL`] as string,
    timeouts: {
      connectMs: value[`LLM_${name}_CONNECT_TIMEOUT_MS`] as number,
      firstTokenMs: value[`LLM_${name}_FIRST_TOKEN_TIMEOUT_MS`] as number,
      idleMs: value[`LLM_${name}_IDLE_TIMEOUT_MS`] as number,
      totalMs: value[`LLM_${name}_TOTAL_TIMEOUT_MS`] as number,
      tokenAllowanceMs: value[`LLM_${name}_TOKEN_ALLOWANCE_MS`] as number | undefined,
    },
  });
  const fallback = env.LLM_FALLBACK === env.LLM_PROVIDER ? undefined : env.LLM_FALLBACK;
  return {
    backends: {
      vllm: { urls: oneOrMany(env.LLM_VLLM_URLS, env.VLLM_URL) as string[], apiKey: env.VLLM_API_KEY || undefined },
      ollama: { urls: oneOrMany(env.LLM_OLLAMA_URLS, env.OLLAMA_URL) as string[] },
    },
    roles: {
      chat: role('CHAT', env.LLM_PROVIDER, fallback),
      embedding: role('EMBEDDING', env.LLM_PROVIDER, fallback),
      // The original system kept vision on Ollama (llava) while text moved to vLLM.
      vision: role('VISION', 'ollama'),
    },
    modelNames: Object.fromEntries(
      env.LLM_MODEL_NAMES.split(',')
        .map((pair) => pair.trim())
        .filter(Boolean)
        .map((pair) => pair.split('=').map((part) => part.trim()) as [string, string]),
    ),
    retry: {
      maxAttempts: env.LLM_RETRY_MAX_ATTEMPTS,
      baseDelayMs: env.LLM_RETRY_BASE_DELAY_MS,
      maxDelayMs: env.LLM_RETRY_MAX_DELAY_MS,
    },
    breaker: {
      failureThreshold: env.LLM_BREAKER_FAILURE_THRESHOLD,
      failureRate: env.LLM_BREAKER_FAILURE_RATE,
      windowSize: env.LLM_BREAKER_WINDOW,
      minCalls: env.LLM_BREAKER_MIN_CALLS,
      openMs: env.LLM_BREAKER_OPEN_MS,
    },
    embeddingBatchSize: env.LLM_EMBEDDING_BATCH_SIZE,
    embeddingLimits: {
      interactive: { concurrency: env.LLM_EMBEDDING_CONCURRENCY, maxWaiting: env.LLM_EMBEDDING_MAX_WAITING },
      bulk: { concurrency: env.LLM_EMBEDDING_BULK_CONCURRENCY, maxWaiting: env.LLM_EMBEDDING_BULK_MAX_WAITING },
    },
    routing: {
      strategy: env.LLM_ROUTING,
      scrapeIntervalMs: env.LLM_ROUTING_SCRAPE_INTERVAL_MS,
      affinityMargin: env.LLM_AFFINITY_MARGIN,
    },
    trafficSplit: env.LLM_TRAFFIC_SPLIT,
    registry,
  };
}

/** A replica list wins over its one-URL variable; either alone is a list. */
function oneOrMany(list: unknown, single: unknown): string[] | undefined {
  if (Array.isArray(list) && list.length > 0) return list as string[];
  return typeof single === 'string' && single ? [single] : undefined;
}

/** The same, reading each LLM_* key through a getter (a Nest ConfigService's `get`). */
export function llmOptionsFromConfig(get: (key: string) => unknown, registry?: Registry): LlmProviderOptions {
  const env = Object.fromEntries(Object.keys(llmEnvShape).map((key) => [key, get(key)])) as LlmEnv;
  return llmOptionsFromEnv(env, registry);
}

/** The model's name on a backend: Hugging Face names for vLLM, Ollama tags for Ollama. */
export function modelNameFor(kind: BackendKind, model: string, modelNames: Record<string, string>): string {
  if (kind === 'vllm') return modelNames[model] ?? model;
  const tag = Object.entries(modelNames).find(([, huggingFace]) => huggingFace === model)?.[0];
  return tag ?? model;
}
