import { EngineError } from './engine.errors';

interface Waiter<Slot> {
  resolve: (slot: Slot) => void;
  reject: (error: Error) => void;
  signal: AbortSignal;
  onAbort: () => void;
}

/**
 * Hands out a fixed set of slots (sequences of a llama.cpp context) first come, first served. Requests
 * beyond the free slots wait in FIFO order, at most `maxQueue` of them; one more is refused at once.
 * A waiter whose signal aborts leaves the queue; a released slot goes straight to the next waiter.
 */
export class SlotScheduler<Slot> {
  private readonly free: Slot[];
  private readonly waiters: Waiter<Slot>[] = [];
  private inUse = 0;

  constructor(
    slots: readonly Slot[],
    private readonly maxQueue: number,
  ) {
    this.free = [...slots];
  }

  get running(): number {
    return this.inUse;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  acquire(signal: AbortSignal): Promise<Slot> {
    if (signal.aborted) return Promise.reject(new EngineError('aborted', 'the request was cancelled'));
    const slot = this.free.shift();
    if (slot !== undefined) {
      this.inUse += 1;
      return Promise.resolve(slot);
    }
    if (this.waiters.length >= this.maxQueue) {
      return Promise.reject(
        new EngineError(
          'queue_full',
          `server busy: ${this.waiters.length} requests are already waiting (max queue ${this.maxQueue})`,
        ),
      );
    }
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter<Slot> = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(new EngineError('aborted', 'the request was cancelled while waiting'));
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(slot: Slot): void {
    const next = this.waiters.shift();
    if (next) {
      next.signal.removeEventListener('abort', next.onAbort);
      next.resolve(slot);
      return;
    }
    this.inUse -= 1;
    this.free.push(slot);
  }
}
