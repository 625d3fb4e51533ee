import type { Response } from 'express';

/** Aborts when the client closes the connection before the response is finished: its work is cancelled. */
export function abortOnClose(response: Response): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}
