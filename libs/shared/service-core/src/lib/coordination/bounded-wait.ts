/**
 * The operation's result, or `late()` thrown once `ms` have passed, or the signal's reason once it aborts,
 * whichever comes first. A late operation is left running (a client with an offline queue, one that takes
 * no signal), its own failure observed so that it is never an unhandled rejection. When the time is up,
 * one turn of the event loop runs first: a reply that arrived while the loop was busy (GC, a loaded
 * machine) is read before the wait is called over.
 */
export async function boundedWait<T>(
  operation: Promise<T>,
  options: { ms: number; late: () => Error; signal?: AbortSignal },
): Promise<T> {
  const { ms, late, signal } = options;
  operation.catch(() => undefined);
  signal?.throwIfAborted();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => setImmediate(() => reject(late())), ms);
    if (signal) {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  try {
    return await Promise.race([operation, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
