import type { NextFunction, Request, Response } from 'express';

/**
 * Express error middleware, right after the JSON body parser: a body that is not valid JSON is a 400 that
 * says so without the parser's message, which quotes the body around the error (a client's notes, say).
 * Other errors (a body over the limit) go on to Nest as before.
 */
export function jsonSyntaxError(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  if ((error as { type?: unknown })?.type !== 'entity.parse.failed') {
    next(error);
    return;
  }
  response.status(400).json({
    statusCode: 400,
    error: 'Bad Request',
    message:
      'the request body is not valid JSON: check its quoting and brackets, and send content-type application/json',
  });
}
