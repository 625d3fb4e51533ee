import type { Response } from 'express';

/** Aborts when the client closes the connection before the response is finished: its work is cancelled. */
export function abortOnClose(response: Response): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}

/**
 * Writes events through a proxy-safe text/event-stream response: `event: <name>` and one JSON `data:`
 * line each. Sending to a client that has gone is a no-op.
 */
export function openEventStream(response: Response): { send: (event: string, data: unknown) => void; end: () => void } {
  response.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    // nginx buffers responses unless told not to; events must reach the client as they are written.
    'X-Accel-Buffering': 'no',
  });
  response.flushHeaders();
  return {
    send: (event, data) => {
      if (!response.destroyed) response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end: () => response.end(),
  };
}
