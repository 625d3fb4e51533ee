import type { LogLevel } from '@nestjs/common';
import type { RateLimitOptions } from './auth/route-class.throttler';

/** What a service is: fixed in code. */
export interface ServiceIdentity {
  /** Used in logs, metrics, the docs title and the message pattern `<serviceName>.ping`. */
  serviceName: string;
  /** One sentence for the OpenAPI page. */
  description: string;
  version?: string;
}

/** How a service runs: read from validated configuration at boot. */
export interface ServiceRuntimeOptions {
  host: string;
  port: number;
  redisUrl: string;
  logLevel: LogLevel;
  logFormat: 'json' | 'text';
  shutdownTimeoutMs: number;
  /**
   * Longest wait for one command of the service's own Redis client (a frozen Redis); past it the command
   * fails and the request gets a 503. Default 2 s, so a Redis restart passes unnoticed.
   */
  redisWaitMs?: number;
  /** Largest JSON request body; bigger ones get a 413. Default 1 MiB. */
  bodyLimitBytes?: number;
  /** `production` refuses `authMode: 'off'` and guards `/docs` with the `admin` scope. Default development. */
  nodeEnv?: 'development' | 'production' | 'test';
  /** `on` (the default): every route but health and metrics needs an API key. `off`: local development and tests. */
  authMode?: 'on' | 'off';
  /** How long a verified API key is trusted without asking Redis again (so revocation takes up to this). Default 10 s. */
  authKeyCacheMs?: number;
  /** Requests per API key per window for each route class. Default: route-class.throttler's DEFAULT_RATE_LIMITS. */
  rateLimits?: RateLimitOptions;
  /** Browser origins allowed to call the service (CORS); none by default. */
  corsOrigins?: readonly string[];
}

export type ServiceCoreOptions = ServiceIdentity & ServiceRuntimeOptions;

export const SERVICE_CORE_OPTIONS = Symbol('SERVICE_CORE_OPTIONS');
export const SERVICE_REDIS = Symbol('SERVICE_REDIS');
