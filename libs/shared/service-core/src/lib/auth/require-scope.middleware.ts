import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  REDIS_UNAVAILABLE_BODY,
  REDIS_UNAVAILABLE_RETRY_AFTER,
  isRedisOutage,
} from '../http/redis-unavailable.interceptor';
import type { ApiKeyAuthenticator } from './api-key.authenticator';
import { AuthError } from './auth.errors';
import type { ApiScope, RequestWithPrincipal } from './principal';

/**
 * The API key check as Express middleware, for what is mounted on Express directly and so never meets
 * Nest's guards: the OpenAPI page in production and the queue dashboard. Same answers as the guard.
 */
export function requireScopeMiddleware(authenticator: ApiKeyAuthenticator, scope: ApiScope): RequestHandler {
  return (request: Request & RequestWithPrincipal, response: Response, next: NextFunction) => {
    authenticator
      .authenticate(request.headers.authorization)
      .then((principal) => {
        authenticator.authorize(principal, scope);
        request.principal = principal;
        next();
      })
      .catch((error: unknown) => {
        if (error instanceof AuthError) {
          if (error.statusCode === 401) response.setHeader('WWW-Authenticate', 'Bearer');
          response.status(error.statusCode).json(error.toBody());
        } else if (isRedisOutage(error)) {
          response.setHeader('Retry-After', REDIS_UNAVAILABLE_RETRY_AFTER);
          response.status(503).json(REDIS_UNAVAILABLE_BODY);
        } else {
          next(error);
        }
      });
  };
}
