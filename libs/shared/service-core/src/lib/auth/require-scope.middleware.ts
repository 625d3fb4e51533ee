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
 * Nest's guards: the OpenAPI page in production and the queue dashboard. Same answers as the guard, and
 * since these are pages a browser opens, the key is also taken as the password of HTTP Basic auth (any
 * user name): a 401 asks the browser for it, which then sends it with every request of the page.
 */
export function requireScopeMiddleware(authenticator: ApiKeyAuthenticator, scope: ApiScope): RequestHandler {
  return (request: Request & RequestWithPrincipal, response: Response, next: NextFunction) => {
    authenticator
      .authenticate(bearerFromBasic(request.headers.authorization))
      .then((principal) => {
        authenticator.authorize(principal, scope);
        request.principal = principal;
        next();
      })
      .catch((error: unknown) => {
        if (error instanceof AuthError) {
          if (error.statusCode === 401)
            response.setHeader('WWW-Authenticate', ['Basic realm="RMA", charset="UTF-8"', 'Bearer']);
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

/** `Basic base64(user:key)` as `Bearer key`; any other header as it is. */
function bearerFromBasic(authorization: string | undefined): string | undefined {
  const basic = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(authorization ?? '');
  if (!basic) return authorization;
  const credentials = Buffer.from(basic[1], 'base64').toString('utf8');
  return `Bearer ${credentials.slice(credentials.indexOf(':') + 1)}`;
}
