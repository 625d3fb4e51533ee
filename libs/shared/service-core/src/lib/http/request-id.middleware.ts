import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** The header that carries a request's id, in and out. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** The request field holding its id, for log lines. */
export interface RequestWithId {
  requestId?: string;
}

// A caller's id is kept when it is short and plain (a UUID, a trace id), so that it cannot carry text
// into the logs; anything else is replaced.
const ACCEPTED_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Express middleware, first in the chain: every request gets an id (the caller's valid `X-Request-Id`, or a
 * new UUID) on `request.requestId` and on its response's `X-Request-Id`, errors and 404s included.
 */
export function requestIdMiddleware(request: Request & RequestWithId, response: Response, next: NextFunction): void {
  const presented = request.headers['x-request-id'];
  const id = typeof presented === 'string' && ACCEPTED_ID.test(presented) ? presented : randomUUID();
  request.requestId = id;
  response.setHeader(REQUEST_ID_HEADER, id);
  next();
}
