import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { Response } from 'express';
import { Observable, catchError, throwError } from 'rxjs';

// What ioredis throws while Redis is away: a frozen server (commandTimeout), a closed connection with
// the offline queue off, and a command that used up its reconnection retries.
const REDIS_OUTAGE =
  /^(Command timed out|Connection is closed\.?|Stream isn't writeable and enableOfflineQueue options is false)$/;

/** True for the errors an ioredis client raises when Redis is down or frozen, not for Redis refusing a command. */
export function isRedisOutage(error: unknown): boolean {
  return error instanceof Error && (error.name === 'MaxRetriesPerRequestError' || REDIS_OUTAGE.test(error.message));
}

/** Seconds a client should wait before retrying a request that met a Redis outage. */
export const REDIS_UNAVAILABLE_RETRY_AFTER = '2';

/** The typed body of a request that met a Redis outage (here, and in the API key guard, which runs before). */
export const REDIS_UNAVAILABLE_BODY = Object.freeze({
  statusCode: 503,
  error: 'RedisUnavailable',
  message: 'Redis, which holds this service’s state, did not answer in time; retry shortly',
  retryable: true,
});

/**
 * A request that failed because Redis is down or frozen is a 503 with `Retry-After`, saying so, not a
 * 500: the service is healthy and answers again once Redis does, without a restart.
 */
@Injectable()
export class RedisUnavailableInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (!isRedisOutage(error) || context.getType() !== 'http') return throwError(() => error);
        const response = context.switchToHttp().getResponse<Response>();
        if (!response.headersSent) response.set('Retry-After', REDIS_UNAVAILABLE_RETRY_AFTER);
        return throwError(() => new ServiceUnavailableException(REDIS_UNAVAILABLE_BODY));
      }),
    );
  }
}
