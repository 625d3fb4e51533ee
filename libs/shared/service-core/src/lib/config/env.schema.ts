import type { ConfigService } from '@nestjs/config';
import { z } from 'zod';
import { DEFAULT_RATE_LIMITS } from '../auth/route-class.throttler';
import type { ServiceRuntimeOptions } from '../service-core.options';

/** Thrown when the environment does not validate; its message lists every bad key. */
export class ConfigValidationError extends Error {
  constructor(
    readonly serviceName: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid configuration for ${serviceName}; fix these environment variables:\n` +
        problems.map((problem) => `  - ${problem}`).join('\n'),
    );
    this.name = 'ConfigValidationError';
  }
}

/** A TCP port read from the environment, with the service's default. */
export const portVar = (defaultPort: number) =>
  z.coerce
    .number({ error: 'expected an integer from 1 to 65535' })
    .int({ error: 'expected an integer from 1 to 65535' })
    .min(1, { error: 'expected an integer from 1 to 65535' })
    .max(65535, { error: 'expected an integer from 1 to 65535' })
    .default(defaultPort);

/** A positive whole number of milliseconds. */
export const millisecondsVar = (defaultMs: number) =>
  z.coerce
    .number({ error: 'expected a whole number of milliseconds' })
    .int({ error: 'expected a whole number of milliseconds' })
    .positive({ error: 'expected a whole number of milliseconds above 0' })
    .default(defaultMs);

/** A whole number within bounds, read from the environment. */
export const wholeNumberVar = (min: number, max: number) =>
  z.coerce
    .number({ error: `expected a whole number from ${min} to ${max}` })
    .int({ error: `expected a whole number from ${min} to ${max}` })
    .min(min, { error: `expected a whole number from ${min} to ${max}` })
    .max(max, { error: `expected a whole number from ${min} to ${max}` });

/** A URL with one of `protocols` (e.g. ['http:', 'https:']), with its default. */
export const urlVar = (protocols: string[], example: string) =>
  z
    .string()
    .default(example)
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      {
        error: `expected ${/^h/.test(protocols[0]) ? 'an' : 'a'} ${protocols.map((protocol) => `${protocol}//`).join(' or ')} URL, for example ${example}`,
      },
    );

const redisUrl = urlVar(['redis:', 'rediss:'], 'redis://127.0.0.1:6379');

/** The variables every service reads; each app extends this with its own. */
export const serviceEnvShape = {
  NODE_ENV: z
    .enum(['development', 'production', 'test'], {
      error: 'expected one of development, production, test',
    })
    .default('development'),
  HOST: z.string().min(1, { error: 'expected a host name or address' }).default('0.0.0.0'),
  REDIS_URL: redisUrl,
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'], {
      error: 'expected one of fatal, error, warn, log, debug, verbose',
    })
    .default('log'),
  LOG_FORMAT: z.enum(['json', 'text'], { error: 'expected json or text' }).default('json'),
  SHUTDOWN_TIMEOUT_MS: millisecondsVar(10_000),
  REDIS_WAIT_MS: millisecondsVar(2_000),
  HTTP_BODY_LIMIT_BYTES: wholeNumberVar(1024, 1024 ** 3).default(1_048_576),
  /** `on`: every route but health and metrics needs an API key; `off` (npm start, tests) is refused in production. */
  AUTH_MODE: z.enum(['on', 'off'], { error: 'expected on or off' }).default('on'),
  AUTH_KEY_CACHE_MS: wholeNumberVar(0, 300_000).default(10_000),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .refine((origins) => origins.every(isOrigin), {
      error:
        'expected a comma-separated list of origins such as https://advice.example.org (scheme, host, optional port)',
    }),
  RATE_LIMIT_WINDOW_MS: millisecondsVar(DEFAULT_RATE_LIMITS.windowMs),
  RATE_LIMIT_ASK: wholeNumberVar(1, 1_000_000).default(DEFAULT_RATE_LIMITS.limits.ask),
  RATE_LIMIT_LETTERS: wholeNumberVar(1, 1_000_000).default(DEFAULT_RATE_LIMITS.limits.letters),
  RATE_LIMIT_DOCUMENTS: wholeNumberVar(1, 1_000_000).default(DEFAULT_RATE_LIMITS.limits.documents),
  RATE_LIMIT_ELIGIBILITY: wholeNumberVar(1, 1_000_000).default(DEFAULT_RATE_LIMITS.limits.eligibility),
  RATE_LIMIT_ADMIN: wholeNumberVar(1, 1_000_000).default(DEFAULT_RATE_LIMITS.limits.admin),
};

/** An origin as browsers send it: scheme://host[:port], nothing after. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return ['http:', 'https:'].includes(url.protocol) && url.origin === value;
  } catch {
    return false;
  }
}

/**
 * A refused variable's value as the boot error (stderr, so the logs) may show it: a secret's by its length
 * only, a URL's without its credentials (a Redis password sits in REDIS_URL).
 */
function shownConfigValue(key: string, value: unknown): string {
  if (/KEY|TOKEN|SECRET|PASSWORD/i.test(key)) return `a value of ${String(value).length} characters`;
  return JSON.stringify(typeof value === 'string' ? value.replace(/(\/\/)[^@/\s]*@/, '$1***@') : value);
}

/**
 * Parses the environment with a zod schema, or throws one error that names every bad key, what it
 * expects and what it got.
 */
export function parseEnv<Schema extends z.ZodType>(
  serviceName: string,
  schema: Schema,
  env: Record<string, unknown>,
): z.output<Schema> {
  const result = schema.safeParse(env);
  const refused = refusedCombinations(env);
  if (result.success && refused.length === 0) {
    return result.data;
  }
  const problems = (result.success ? [] : result.error.issues).map((issue) => {
    const key = issue.path.join('.') || '(environment)';
    const got = issue.path.length > 0 ? env[String(issue.path[0])] : undefined;
    return got === undefined
      ? `${key}: ${issue.message} (it is missing)`
      : `${key}: ${issue.message} (got ${shownConfigValue(key, got)})`;
  });
  throw new ConfigValidationError(serviceName, [...problems, ...refused]);
}

/** Settings each valid alone that must not go together. */
function refusedCombinations(env: Record<string, unknown>): string[] {
  return env['NODE_ENV'] === 'production' && env['AUTH_MODE'] === 'off'
    ? [
        'AUTH_MODE: off is refused when NODE_ENV=production (every caller could read every organisation’s data); ' +
          'set AUTH_MODE=on and give callers API keys (npm run keys -- create)',
      ]
    : [];
}

/** The validated variables of `serviceEnvShape` plus the service's port. */
export type ServiceEnv = z.output<z.ZodObject<typeof serviceEnvShape>> & { PORT: number };

/** Maps a service's validated configuration onto the runtime options of `ServiceCoreModule`. */
export function runtimeOptionsFromConfig(config: ConfigService<ServiceEnv, true>): ServiceRuntimeOptions {
  return {
    host: config.get('HOST'),
    port: config.get('PORT'),
    redisUrl: config.get('REDIS_URL'),
    logLevel: config.get('LOG_LEVEL'),
    logFormat: config.get('LOG_FORMAT'),
    shutdownTimeoutMs: config.get('SHUTDOWN_TIMEOUT_MS'),
    redisWaitMs: config.get('REDIS_WAIT_MS'),
    bodyLimitBytes: config.get('HTTP_BODY_LIMIT_BYTES'),
    nodeEnv: config.get('NODE_ENV'),
    authMode: config.get('AUTH_MODE'),
    authKeyCacheMs: config.get('AUTH_KEY_CACHE_MS'),
    corsOrigins: config.get('CORS_ORIGINS'),
    rateLimits: {
      windowMs: config.get('RATE_LIMIT_WINDOW_MS'),
      limits: {
        ask: config.get('RATE_LIMIT_ASK'),
        letters: config.get('RATE_LIMIT_LETTERS'),
        documents: config.get('RATE_LIMIT_DOCUMENTS'),
        eligibility: config.get('RATE_LIMIT_ELIGIBILITY'),
        admin: config.get('RATE_LIMIT_ADMIN'),
      },
    },
  };
}
