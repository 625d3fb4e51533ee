import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request } from 'express';
import type { RequestWithPrincipal } from '../auth/principal';
import type { RequestWithId } from '../http/request-id.middleware';

const storage = new AsyncLocalStorage<Request & RequestWithPrincipal & RequestWithId>();

/** The ids a log line written while handling a request carries: its request id and the key's id (never the key). */
export interface RequestLogIds {
  requestId: string;
  keyId: string | null;
}

/**
 * The request being handled by the code that logs, if any. Read when the line is written, so that the
 * key id the auth guard sets after this middleware ran is on it. The request id is the one the request id
 * middleware (first in the chain, before this one) set and answers with; it was checked there.
 */
export function currentRequestLogIds(): RequestLogIds | undefined {
  const request = storage.getStore();
  if (!request) return undefined;
  return { requestId: request.requestId ?? 'none', keyId: request.principal?.keyId ?? null };
}

/** Express middleware, after requestIdMiddleware: runs the rest of the request inside its log context. */
export function requestLogContext(request: Request, _response: unknown, next: NextFunction): void {
  storage.run(request, next);
}
