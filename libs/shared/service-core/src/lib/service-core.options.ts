import type { LogLevel } from '@nestjs/common';

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
}

export type ServiceCoreOptions = ServiceIdentity & ServiceRuntimeOptions;

export const SERVICE_CORE_OPTIONS = Symbol('SERVICE_CORE_OPTIONS');
export const SERVICE_REDIS = Symbol('SERVICE_REDIS');
