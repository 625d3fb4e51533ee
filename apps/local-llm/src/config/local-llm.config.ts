import { parseArgs } from 'node:util';
import { z } from 'zod';

/** Served under these names unless told otherwise: an Ollama tag and the Hugging Face name vLLM uses. */
export const DEFAULT_SERVED_MODEL_NAMES = ['llama3.2', 'meta-llama/Llama-3.2-3B-Instruct'];

const FLAGS = {
  port: { type: 'string', env: 'LOCAL_LLM_PORT' },
  host: { type: 'string', env: 'LOCAL_LLM_HOST' },
  model: { type: 'string', env: 'LOCAL_LLM_MODEL' },
  preset: { type: 'string', env: 'LOCAL_LLM_PRESET' },
  seed: { type: 'string', env: 'LOCAL_LLM_SEED' },
  'models-dir': { type: 'string', env: 'LOCAL_LLM_MODELS_DIR' },
  parallel: { type: 'string', env: 'LOCAL_LLM_PARALLEL' },
  'max-queue': { type: 'string', env: 'LOCAL_LLM_MAX_QUEUE' },
  threads: { type: 'string', env: 'LOCAL_LLM_THREADS' },
  'context-size': { type: 'string', env: 'LOCAL_LLM_CONTEXT_SIZE' },
  'served-model-name': { type: 'string', env: 'LOCAL_LLM_SERVED_MODEL_NAMES' },
  'log-format': { type: 'string', env: 'LOCAL_LLM_LOG_FORMAT' },
  engine: { type: 'string', env: 'LOCAL_LLM_ENGINE' },
  profile: { type: 'string', env: 'LOCAL_LLM_PROFILE' },
  'time-scale': { type: 'string', env: 'LOCAL_LLM_TIME_SCALE' },
  'scheduling-policy': { type: 'string', env: 'LOCAL_LLM_SCHEDULING_POLICY' },
  'enable-prefix-caching': { type: 'boolean', env: 'LOCAL_LLM_ENABLE_PREFIX_CACHING' },
  speed: { type: 'string', env: 'LOCAL_LLM_SPEED' },
  'enable-prompt-tokens-details': { type: 'boolean', env: 'LOCAL_LLM_ENABLE_PROMPT_TOKENS_DETAILS' },
  admin: { type: 'boolean', env: 'LOCAL_LLM_ADMIN' },
  faults: { type: 'string', env: 'LOCAL_LLM_FAULTS' },
} as const;

const wholeNumber = (min: number, max: number) =>
  z.coerce
    .number({ error: `expected a whole number from ${min} to ${max}` })
    .int({ error: `expected a whole number from ${min} to ${max}` })
    .min(min, { error: `expected a whole number from ${min} to ${max}` })
    .max(max, { error: `expected a whole number from ${min} to ${max}` });
/** A switch: `--flag` / `--no-flag`, or true, false, 1, 0 in the environment. */
const onOff = (fallback: boolean) =>
  z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0'], { error: 'expected true or false' })])
    .transform((value) => value === true || value === 'true' || value === '1')
    .default(fallback);
const SPEED_ERROR = 'expected a number above 0, at most 1000 (0.5 is half as fast as the profile: a slower GPU)';
const count = (_name: string, min: number, max: number, fallback: number) => wholeNumber(min, max).default(fallback);

const schema = z
  .object({
    port: count('port', 1, 65535, 8000),
    host: z.string().min(1).default('127.0.0.1'),
    model: z.string().min(1).optional(),
    preset: z.enum(['tiny', 'medium'], { error: 'expected tiny or medium' }).default('tiny'),
    seed: count('seed', 0, 2 ** 31 - 1, 42),
    'models-dir': z.string().min(1).default('.cache/models'),
    // Engine defaults apply when unset: llama 4 sequences and a queue of 64; sim takes its profile's.
    parallel: wholeNumber(1, 4096).optional(),
    'max-queue': wholeNumber(0, 1_000_000).optional(),
    // Measured: 1 thread was the fastest on these 2-vCPU machines (see README, "local-llm").
    threads: count('threads', 1, 256, 1),
    'context-size': count('context-size', 64, 131_072, 2048),
    'served-model-name': z
      .string()
      .default(DEFAULT_SERVED_MODEL_NAMES.join(','))
      .transform((value) =>
        value
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean),
      )
      .refine((names) => names.length > 0, {
        error: 'expected at least one model name',
      }),
    'log-format': z.enum(['json', 'text'], { error: 'expected json or text' }).default('json'),
    engine: z.enum(['llama', 'sim'], { error: 'expected llama or sim' }).default('llama'),
    profile: z
      .enum(['vllm-a100-8b', 'ollama-default', 'fast'], { error: 'expected vllm-a100-8b, ollama-default or fast' })
      .default('fast'),
    'time-scale': z.coerce
      .number({ error: 'expected a number above 0 (0.1 runs ten times faster than the simulated GPU)' })
      .positive({ error: 'expected a number above 0 (0.1 runs ten times faster than the simulated GPU)' })
      .default(1),
    'scheduling-policy': z.enum(['fcfs', 'priority'], { error: 'expected fcfs or priority' }).default('fcfs'),
    // vLLM V1 caches prefixes unless told not to (CacheConfig.enable_prefix_caching = True).
    'enable-prefix-caching': onOff(true),
    speed: z.coerce
      .number({ error: SPEED_ERROR })
      .positive({ error: SPEED_ERROR })
      .max(1000, { error: SPEED_ERROR })
      .default(1),
    // vLLM's default: usage says nothing of cached tokens unless asked.
    'enable-prompt-tokens-details': onOff(false),
    admin: onOff(false),
    faults: z.string().optional(),
  })
  .superRefine((config, context) => {
    // A speed the llama.cpp engine would ignore is a mistake to report, not a setting to drop silently.
    if (config.engine !== 'sim' && config.speed > 0 && config.speed !== 1) {
      context.addIssue({ code: 'custom', path: ['speed'], message: 'applies to --engine sim only' });
    }
  });

export type LocalLlmConfig = z.output<typeof schema>;

/** Thrown for bad flags or environment; the message lists every problem and how to fix it. */
export class LocalLlmConfigError extends Error {
  override readonly name = 'LocalLlmConfigError';
}

/** Reads flags (which win) and LOCAL_LLM_* variables into one validated configuration. */
export function loadConfig(argv: string[], env: Record<string, string | undefined>): LocalLlmConfig {
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(FLAGS).map(([name, flag]) => [name, { type: flag.type }])),
      strict: true,
      // vLLM's switches come in pairs: --enable-prefix-caching / --no-enable-prefix-caching.
      allowNegative: true,
    }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new LocalLlmConfigError(
      `${error instanceof Error ? error.message : String(error)}\nknown flags: ${Object.keys(FLAGS)
        .map((name) => `--${name}`)
        .join(' ')}`,
    );
  }
  const raw = Object.fromEntries(
    Object.entries(FLAGS).map(([name, flag]) => [
      name,
      flags[name] ?? (env[flag.env] === '' ? undefined : env[flag.env]),
    ]),
  );
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    const flag = FLAGS[name as keyof typeof FLAGS];
    return `  - --${name} (${flag.env}): ${issue.message} (got ${JSON.stringify(raw[name])})`;
  });
  throw new LocalLlmConfigError(`Invalid local-llm configuration:\n${problems.join('\n')}`);
}
