import { ArgumentsHost, Catch, ExceptionFilter, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable, throwError } from 'rxjs';

/**
 * Nest's answer to a path no route matches, without the raw URL it quotes (`Cannot GET /clients/<name>?q=`):
 * paths and queries carry whatever a client put in them. Any other 404 is rethrown to the app's filters
 * untouched.
 */
@Catch(NotFoundException)
export class RouteNotFoundFilter implements ExceptionFilter {
  catch(error: NotFoundException, host: ArgumentsHost): Observable<never> | void {
    // A message handler's 404 (Redis transport): the error reply Nest's RPC filter would send.
    if (host.getType() !== 'http') return throwError(() => ({ status: 'error', message: error.message }));
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    // The router's own 404 is the only one thrown for a request no route matched.
    const routed = Boolean(request.route);
    const body = routed
      ? error.getResponse()
      : {
          statusCode: 404,
          error: 'Not Found',
          message: `no route ${request.method} for this path: see /docs for the API`,
        };
    response.status(404).json(body);
  }
}
