import { Logger } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';

const logger = new Logger('HttpAccess');
// Probes and scrapes every few seconds would bury the requests that matter: at debug level only.
const QUIET_ROUTES = new Set(['/health', '/health/ready', '/metrics']);

/**
 * Express middleware: one line per finished request with its method, matched route pattern (never the
 * raw URL: paths carry ids and queries carry anything), status and duration. Runs inside the request's
 * log context, so the line carries its request id and key id.
 */
export function accessLog(request: Request, response: Response, next: NextFunction): void {
  const started = performance.now();
  // Bound here: 'finish' is emitted from the socket's callbacks, outside the request's log context.
  response.once(
    'finish',
    AsyncLocalStorage.bind(() => {
      const route = request.route?.path ? `${request.baseUrl}${String(request.route.path)}` : 'unmatched';
      const { method } = request;
      const { statusCode } = response;
      const durationMs = Math.round(performance.now() - started);
      if (QUIET_ROUTES.has(route)) {
        logger.debug(`Request handled method=${method} route=${route} status=${statusCode} durationMs=${durationMs}`);
      } else {
        logger.log(`Request handled method=${method} route=${route} status=${statusCode} durationMs=${durationMs}`);
      }
    }),
  );
  next();
}
