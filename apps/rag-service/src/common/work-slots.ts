/**
 * At most `concurrency` pieces of work at once in this process, and at most `maxWaiting` waiting for a
 * turn: past that `tryEnter` says no at once, so the caller can refuse before doing any work.
 */
export class WorkSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limits: { concurrency: number; maxWaiting: number }) {}

  /** A turn's promise (resolves when the work may start), or undefined when the waiting line is full. */
  tryEnter(): Promise<void> | undefined {
    if (this.running < this.limits.concurrency) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.limits.maxWaiting) return undefined;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Ends a turn: the longest-waiting work starts. */
  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}
