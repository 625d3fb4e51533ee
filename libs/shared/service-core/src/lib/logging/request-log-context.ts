import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { RequestWithPrincipal } from '../auth/principal';

const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID_SHAPE = /^[A-Za-z0-9][\w.:-]{0,127}$/;

interface RequestLogStore {
  request: Request & RequestWithPrincipal;
  response: Response;
  fallbackId: string;
}

const storage = new AsyncLocalStorage<RequestLogStore>();

/** The ids a log line written while handling a request carries: its request id and the key's id (never the key). */
export interface RequestLogIds {
  requestId: string;
  keyId: string | null;
}

/**
 * The request being handled by the code that logs, if any. Read when the line is written, so that the
 * key id the auth guard sets after this middleware ran, and a request id set on the response, are on it.
 */
export function currentRequestLogIds(): RequestLogIds | undefined {
  const store = storage.getStore();
  if (!store) return undefined;
  const fromResponse = store.response.getHeader(REQUEST_ID_HEADER);
  const requestId =
    typeof fromResponse === 'string' && REQUEST_ID_SHAPE.test(fromResponse) ? fromResponse : store.fallbackId;
  return { requestId, keyId: store.request.principal?.keyId ?? null };
}

/** Express middleware: runs the rest of the request inside its log context. */
export function requestLogContext(request: Request, response: Response, next: NextFunction): void {
  const sent = request.headers[REQUEST_ID_HEADER];
  const fallbackId = typeof sent === 'string' && REQUEST_ID_SHAPE.test(sent) ? sent : randomUUID();
  storage.run({ request, response, fallbackId }, next);
}
