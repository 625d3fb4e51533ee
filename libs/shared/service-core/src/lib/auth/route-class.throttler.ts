import { ExecutionContext, HttpException, HttpStatus } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerStorage } from '@nestjs/throttler';
import type { Response } from 'express';
import type { ApiScope } from './principal';

/**
 * The Redis key prefix of rate-limit counters (`<prefix><routeClass>:<keyId>`), shared by every replica.
 * Persisted only for a window: renaming it resets the counters once.
 */
export const RATE_LIMIT_KEY_PREFIX = 'rma:throttle:';

/** Requests per key per window for each route class (a route's class is the scope it requires). */
export interface RateLimitOptions {
  readonly windowMs: number;
  readonly limits: Readonly<Record<ApiScope, number>>;
}

/** Generous defaults: a busy adviser team stays far below them; a runaway script does not. */
export const DEFAULT_RATE_LIMITS: RateLimitOptions = Object.freeze({
  windowMs: 60_000,
  limits: Object.freeze({ ask: 300, letters: 120, documents: 300, eligibility: 300, admin: 120 }),
});

/**
 * `@nestjs/throttler`'s counting on a shared storage (Redis in the services), per API key and route
 * class rather than per route and IP. Not a guard of its own: the API key guard calls {@link limit} once
 * it knows the key, so the two always run in that order. Over the limit: 429 with `Retry-After`.
 */
export class RouteClassThrottler extends ThrottlerGuard {
  constructor(
    private readonly rateLimits: RateLimitOptions,
    storage: ThrottlerStorage,
    reflector: Reflector,
  ) {
    super({ throttlers: [] }, storage, reflector);
  }

  // The base class reads module-level throttlers here; this one has its limits per call.
  override async onModuleInit(): Promise<void> {
    return;
  }

  /** Counts one request of `routeClass` for `keyId`; throws a 429 HttpException past the limit. */
  async limit(context: ExecutionContext, routeClass: ApiScope, keyId: string): Promise<void> {
    const { windowMs, limits } = this.rateLimits;
    await this.handleRequest({
      context,
      limit: limits[routeClass],
      ttl: windowMs,
      blockDuration: windowMs,
      throttler: {
        name: routeClass,
        limit: limits[routeClass],
        ttl: windowMs,
        setHeaders: false,
        ignoreUserAgents: [],
      },
      getTracker: () => keyId,
      generateKey: (_context, tracker, name) => `${RATE_LIMIT_KEY_PREFIX}${name}:${tracker}`,
    });
  }

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfter));
    const routeClass = detail.key.slice(
      RATE_LIMIT_KEY_PREFIX.length,
      detail.key.indexOf(':', RATE_LIMIT_KEY_PREFIX.length),
    );
    throw new HttpException(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'TooManyRequests',
        code: 'rate_limited',
        message: `This API key sent more than ${detail.limit} ${routeClass} requests in ${detail.ttl / 1000} s; retry after ${retryAfter} s`,
        retryable: true,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
