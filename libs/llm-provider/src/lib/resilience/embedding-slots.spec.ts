import { Registry } from 'prom-client';
import { LlmAbortedError, LlmOverloadedError } from '../llm.errors';
import { LlmMetrics } from '../llm-metrics';
import { TotalTimer } from './attempt-timers';
import { EmbeddingLimits, EmbeddingSlots } from './embedding-slots';

// The slots alone, with requests that are the test's own promises: which start, in what order, and what
// is refused. The int spec runs them against local-llm.
function slots(limits: EmbeddingLimits, totalMs = 5_000) {
  const registry = new Registry();
  const sut = new EmbeddingSlots(limits, new LlmMetrics(registry), (signal) => new TotalTimer(totalMs, signal));
  const metric = async (name: string, labels: Record<string, string>) =>
    ((await registry.getSingleMetric(name)?.get())?.values ?? [])
      .filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted))
      .reduce((sum, value) => sum + value.value, 0);
  return { sut, metric };
}

/** A request that runs until `finish` is called, recording that it started. */
function held(started: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<string>((resolve) => (finish = () => resolve(name)));
  return {
    request: () => {
      started.push(name);
      return done;
    },
    finish: () => finish(),
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const LIMITS: EmbeddingLimits = {
  interactive: { concurrency: 2, maxWaiting: 1 },
  bulk: { concurrency: 1, maxWaiting: 2 },
};

describe(EmbeddingSlots.name, () => {
  it('runs at most `concurrency` requests of a use, the next in line starting as one ends', async () => {
    const { sut, metric } = slots(LIMITS);
    const started: string[] = [];
    const [a, b, c] = ['a', 'b', 'c'].map((name) => held(started, name));
    const runs = [a, b, c].map((one) => sut.run('interactive', undefined, one.request));
    await turn();
    expect(started).toEqual(['a', 'b']);
    expect(await metric('llm_embedding_slots_in_use', { use: 'interactive' })).toBe(2);
    expect(await metric('llm_embedding_waiting', { use: 'interactive' })).toBe(1);

    a.finish();
    await turn();
    expect(started).toEqual(['a', 'b', 'c']);
    b.finish();
    c.finish();
    await expect(Promise.all(runs)).resolves.toEqual(['a', 'b', 'c']);
    expect(await metric('llm_embedding_slots_in_use', { use: 'interactive' })).toBe(0);
  });

  it('refuses at once, with a retryable LlmOverloadedError, a call that finds the waiting line full', async () => {
    const { sut, metric } = slots(LIMITS);
    const started: string[] = [];
    const hogs = ['a', 'b', 'c'].map((name) => held(started, name));
    const runs = hogs.map((one) => sut.run('interactive', undefined, one.request));
    await turn();

    const refused = sut.run('interactive', undefined, async () => 'never');
    await expect(refused).rejects.toBeInstanceOf(LlmOverloadedError);
    await expect(refused).rejects.toMatchObject({ kind: 'overloaded', retryable: true });
    expect(await metric('llm_embedding_refused_total', { use: 'interactive', reason: 'full' })).toBe(1);
    hogs.forEach((one) => one.finish());
    await Promise.all(runs);
  });

  it('keeps bulk and interactive apart: a question starts while bulk calls fill their slots and line', async () => {
    const { sut } = slots(LIMITS);
    const started: string[] = [];
    const bulk = ['b1', 'b2', 'b3'].map((name) => held(started, name));
    const runs = bulk.map((one) => sut.run('bulk', undefined, one.request));
    await expect(sut.run('bulk', undefined, async () => 'b4')).rejects.toBeInstanceOf(LlmOverloadedError);

    await expect(sut.run('interactive', undefined, async () => 'question')).resolves.toBe('question');
    expect(started).toEqual(['b1']);
    bulk.forEach((one) => one.finish());
    await Promise.all(runs);
  });

  it("ends a wait at the caller's signal (LlmAbortedError) and gives its place up", async () => {
    const { sut, metric } = slots(LIMITS);
    const started: string[] = [];
    const hog = held(started, 'hog');
    const running = sut.run('bulk', undefined, hog.request);
    const caller = new AbortController();
    const waiting = sut.run('bulk', caller.signal, async () => 'late');
    await turn();
    expect(await metric('llm_embedding_waiting', { use: 'bulk' })).toBe(1);

    caller.abort();
    await expect(waiting).rejects.toBeInstanceOf(LlmAbortedError);
    expect(await metric('llm_embedding_waiting', { use: 'bulk' })).toBe(0);
    hog.finish();
    await running;
    await expect(sut.run('bulk', undefined, async () => 'next')).resolves.toBe('next');
  });

  it("refuses a call that found no slot within the call's total time, as overload", async () => {
    const { sut, metric } = slots(LIMITS, 100);
    const hog = held([], 'hog');
    const running = sut.run('bulk', undefined, hog.request);
    const started = performance.now();

    await expect(sut.run('bulk', undefined, async () => 'late')).rejects.toThrow(/within the call's time \(100 ms\)/);
    expect(performance.now() - started).toBeLessThan(500);
    expect(await metric('llm_embedding_refused_total', { use: 'bulk', reason: 'timeout' })).toBe(1);
    hog.finish();
    await running;
  });

  it('frees the slot when a request fails', async () => {
    const { sut, metric } = slots(LIMITS);
    await expect(
      sut.run('bulk', undefined, async () => {
        throw new Error('server down');
      }),
    ).rejects.toThrow('server down');
    expect(await metric('llm_embedding_slots_in_use', { use: 'bulk' })).toBe(0);
    await expect(sut.run('bulk', undefined, async () => 'next')).resolves.toBe('next');
  });

  it('refuses limits that would hold every call (a concurrency missing or below 1)', () => {
    const limits = { ...LIMITS, bulk: { concurrency: undefined as unknown as number, maxWaiting: 2 } };

    expect(() => slots(limits)).toThrow('embeddingLimits.bulk: expected a whole concurrency of 1 or more');
    expect(() => slots({ ...LIMITS, interactive: { concurrency: 0, maxWaiting: 0 } })).toThrow(
      'embeddingLimits.interactive',
    );
  });
});
