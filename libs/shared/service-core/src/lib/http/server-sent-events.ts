import { Logger } from '@nestjs/common';
import type { Response } from 'express';

const logger = new Logger('EventStream');

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

/** One server-sent event: its name and JSON data. */
export interface ServerSentEvent {
  event: string;
  data: unknown;
}

/**
 * Sends `events` as server-sent events, then `done`. The first event is awaited before any output, so a
 * request refused up front still gets its plain HTTP error (thrown to the exception filters). A failure
 * after the stream started becomes an `error` event whose data `errorBody` gives; one it does not know
 * (undefined) is a bug: a 500 `error` event, and a log line with the error's class only (its message may
 * quote what the stream carried).
 */
export async function sendEventStream(
  response: Response,
  events: AsyncGenerator<ServerSentEvent>,
  options: { errorBody: (error: unknown) => unknown; done?: boolean },
): Promise<void> {
  const first = await events.next();
  const stream = openEventStream(response);
  try {
    if (!first.done) stream.send(first.value.event, first.value.data);
    for await (const event of events) stream.send(event.event, event.data);
    if (options.done !== false) stream.send('done', {});
  } catch (error) {
    const body = options.errorBody(error);
    if (body === undefined) {
      logger.error(`Event stream failed error=${error instanceof Error ? error.name : typeof error}`);
      stream.send('error', {
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'the stream failed',
        retryable: false,
      });
    } else {
      stream.send('error', body);
    }
  } finally {
    stream.end();
  }
}
