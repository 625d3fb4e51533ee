import type { Response } from 'express';

/** An AbortSignal that fires when the client goes away before the response is complete. */
export function abortOnDisconnect(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableEnded) controller.abort();
  });
  return controller.signal;
}
