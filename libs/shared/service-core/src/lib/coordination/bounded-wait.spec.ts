import { boundedWait } from './bounded-wait';

class Late extends Error {}
const late = () => new Late('late');
const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe(boundedWait.name, () => {
  it("gives the operation's result when it comes in time", async () => {
    await expect(boundedWait(after(10, 'done'), { ms: 200, late })).resolves.toBe('done');
  });

  it('throws late() once the time is up, leaving the operation running', async () => {
    const started = performance.now();

    await expect(boundedWait(after(1_000, 'done'), { ms: 100, late })).rejects.toBeInstanceOf(Late);

    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    expect(performance.now() - started).toBeLessThan(300);
  });

  it("passes on the operation's own failure", async () => {
    await expect(boundedWait(Promise.reject(new Error('refused')), { ms: 100, late })).rejects.toThrow('refused');
  });

  it("throws the signal's reason once it aborts, and at once when it already has", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('client went away')), 20);

    await expect(boundedWait(after(1_000, 'done'), { ms: 500, late, signal: controller.signal })).rejects.toThrow(
      'client went away',
    );
    await expect(boundedWait(after(1_000, 'done'), { ms: 500, late, signal: controller.signal })).rejects.toThrow(
      'client went away',
    );
  });

  it('observes a late operation that fails afterwards (no unhandled rejection)', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const failsLate = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('after the wait')), 50));
      await expect(boundedWait(failsLate, { ms: 10, late })).rejects.toBeInstanceOf(Late);
      await after(100, undefined);
    } finally {
      process.off('unhandledRejection', record);
    }
    expect(unhandled).toEqual([]);
  });

  it('reads a result that is ready when the time is up before calling the wait over', async () => {
    // The operation settles in the same tick the timer fires: the event loop's turn lets it win.
    let settle!: (value: string) => void;
    const operation = new Promise<string>((resolve) => (settle = resolve));
    setTimeout(() => settle('just in time'), 50);

    await expect(boundedWait(operation, { ms: 50, late })).resolves.toBe('just in time');
  });
});
