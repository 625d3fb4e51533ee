import { settledWithin } from './settled-within';

/** A BullMQ queue, worker, flow producer or events reader, as closing one needs it. */
export interface Closable {
  close(): Promise<unknown>;
  disconnect(): Promise<unknown>;
}

/**
 * Drops BullMQ connections whose Redis is unreachable, at once. Both steps still run: `close()` stops a
 * worker's loops and marks its connections closing, `disconnect()` stops ioredis reconnecting. Neither
 * settles while ioredis has no socket (its QUIT waits in the offline queue for a reconnect that will not
 * come; its disconnect waits for an `end` event a socketless client never emits), so waiting for them
 * only adds a Redis wait per queue to a shutdown (Ctrl-C after Redis stopped took 6-8 s). They get
 * `graceMs`, and are left pending (they hold no timer, so the process can still exit).
 */
export async function dropUnreachable(closables: Closable[], graceMs = 100): Promise<void> {
  const closing = closables.map((closable) => closable.close());
  const dropping = closables.map((closable) => closable.disconnect());
  // Promise.all watches every promise: one that fails later is not an unhandled rejection.
  await settledWithin(Promise.all([...closing, ...dropping]), graceMs);
}
