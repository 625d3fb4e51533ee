import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlineExceededError, RequestDeadline } from './request-deadline';

class TooLate extends Error {}

const deadline = (ms: number, cancel?: AbortSignal) =>
  new RequestDeadline({ ms, cancel, exceeded: () => new TooLate() });

describe(RequestDeadline.name, () => {
  it('ends the request at its deadline even when a step ignores the signal', async () => {
    const sut = deadline(100);
    const started = performance.now();

    await expect(sut.run(() => new Promise(() => undefined))).rejects.toBeInstanceOf(TooLate);

    expect(performance.now() - started).toBeLessThan(200);
    expect(sut.exceeded).toBe(true);
    expect(sut.signal.reason).toBeInstanceOf(DeadlineExceededError);
  });

  it('gives each step the time left, and reads a step that timed out with it as the deadline passing', async () => {
    const sut = deadline(300);
    await sleep(100);
    const left = sut.remainingMs();

    expect(left).toBeGreaterThan(100);
    expect(left).toBeLessThan(250); // 300 less the ~100 ms slept (a timer may fire a fraction early)
    // A step bounded by the time left fails with its own timeout a moment before the deadline fires.
    await expect(
      sut.run(async () => {
        await sleep(sut.remainingMs() - 10);
        throw new Error('the step timed out');
      }),
    ).rejects.toBeInstanceOf(TooLate);
  });

  it("passes a step's own failure through before the deadline", async () => {
    const sut = deadline(5_000);

    await expect(sut.run(async () => Promise.reject(new RangeError('bad input')))).rejects.toBeInstanceOf(RangeError);
    await expect(sut.run(async () => 42)).resolves.toBe(42);
    expect(sut.exceeded).toBe(false);
  });

  it("aborts the steps' signal when the caller cancels, without calling it a deadline", async () => {
    const cancel = new AbortController();
    const sut = deadline(5_000, cancel.signal);
    const seen = sut.run(
      (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );

    cancel.abort(new Error('the client went away'));

    await expect(seen).rejects.toThrow('the client went away');
    expect(sut.exceeded).toBe(false);
  });

  it('ends a stream at the deadline between or during its events', async () => {
    const sut = deadline(150);
    async function* slowTokens(): AsyncGenerator<string> {
      yield 'first';
      await new Promise(() => undefined);
    }
    const seen: string[] = [];

    await expect(
      (async () => {
        for await (const token of sut.runStream(slowTokens())) seen.push(token);
      })(),
    ).rejects.toBeInstanceOf(TooLate);
    expect(seen).toEqual(['first']);
  });

  it('leaves no listener on its signal however many steps ran (a stream runs one per event)', async () => {
    const sut = deadline(5_000);
    async function* tokens(): AsyncGenerator<number> {
      for (let token = 0; token < 512; token++) yield token;
    }

    for await (const token of sut.runStream(tokens())) void token;
    await expect(sut.run(async () => Promise.reject(new RangeError('bad input')))).rejects.toBeInstanceOf(RangeError);

    expect(getEventListeners(sut.signal, 'abort')).toHaveLength(0);
  });

  it('clears its timer once disposed: a finished request is not aborted at its deadline later', async () => {
    const sut = deadline(100);
    await sut.run(async () => 'done');

    sut.dispose();
    await sleep(200);

    expect(sut.signal.aborted).toBe(false);
    expect(sut.exceeded).toBe(false);
  });
});
