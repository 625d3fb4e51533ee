import { eventually } from '@rma/testing';
import { FanOutQueue, FanOutQueueOptions, PartOutcome } from './fan-out-queue';
import { flushQueueRedis, queueRedisUrl } from '../queue-test-kit';

// Real Redis (the suite's own database, flushed between tests); the handlers are the test's own code.
type Whole = { label: string };
type Part = { value: number; fail?: boolean; delayMs?: number };
type Done = { label: string; outcomes: PartOutcome<number>[] };

const queues: FanOutQueue<Whole, Part, number, Done>[] = [];
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function makeFanOut(overrides: Partial<FanOutQueueOptions<Whole, Part, number, Done>> = {}): {
  sut: FanOutQueue<Whole, Part, number, Done>;
  done: Map<string, Done>;
  running: { now: number; peak: number };
} {
  const done = new Map<string, Done>();
  const running = { now: 0, peak: 0 };
  const sut = new FanOutQueue<Whole, Part, number, Done>({
    redisUrl: queueRedisUrl(),
    name: 'test-fan-out',
    workers: { enabled: true, partConcurrency: 4, wholeConcurrency: 1 },
    attempts: 2,
    backoffMs: 10,
    lockDurationMs: 5_000,
    processPart: async (part) => {
      running.now += 1;
      running.peak = Math.max(running.peak, running.now);
      try {
        await delay(part.delayMs ?? 20);
        if (part.fail) throw new Error(`part ${part.value} cannot be read`);
        return part.value * 10;
      } finally {
        running.now -= 1;
      }
    },
    processWhole: async (whole, outcomes, context) => {
      const result = { label: whole.label, outcomes };
      done.set(context.id, result);
      return result;
    },
    ...overrides,
  });
  queues.push(sut);
  return { sut, done, running };
}

beforeEach(flushQueueRedis);
afterEach(async () => {
  await Promise.all(queues.splice(0).map((queue) => queue.close()));
});

describe(FanOutQueue.name, () => {
  it('runs the parts in parallel and gives the whole their results in the order they were added', async () => {
    const { sut, done, running } = makeFanOut();
    // Later parts finish first: the order must come from the index, not from completion.
    const parts = [5, 4, 3, 2, 1, 0].map((value) => ({ value, delayMs: 20 + value * 30 }));

    await sut.add({ id: 'doc-1', data: { label: 'statement' }, parts, workClass: 'bulk' });

    await eventually(async () => done.has('doc-1'));
    expect(done.get('doc-1')).toEqual({
      label: 'statement',
      outcomes: [50, 40, 30, 20, 10, 0].map((value) => ({ ok: true, value })),
    });
    expect(running.peak).toBeGreaterThan(1);
  });

  it('runs the whole with a failed part reported after its attempts, not blocked by it', async () => {
    const { sut, done } = makeFanOut();

    await sut.add({
      id: 'doc-2',
      data: { label: 'scan' },
      parts: [{ value: 1 }, { value: 2, fail: true }, { value: 3 }],
      workClass: 'interactive',
    });

    await eventually(async () => done.has('doc-2'));
    const outcomes = done.get('doc-2')?.outcomes ?? [];
    expect(outcomes[0]).toEqual({ ok: true, value: 10 });
    expect(outcomes[1]).toEqual({ ok: false, reason: 'part 2 cannot be read' });
    expect(outcomes[2]).toEqual({ ok: true, value: 30 });
  });

  it('adds nothing when the same id is added again while it is queued', async () => {
    let wholeRuns = 0;
    const { sut } = makeFanOut({
      processWhole: async (whole, outcomes) => {
        wholeRuns += 1;
        return { label: whole.label, outcomes };
      },
    });
    const input = {
      id: 'doc-3',
      data: { label: 'letter' },
      parts: [{ value: 1, delayMs: 200 }],
      workClass: 'bulk' as const,
    };

    await Promise.all([sut.add(input), sut.add(input)]);

    await eventually(async () => wholeRuns === 1);
    await delay(300);
    expect(wholeRuns).toBe(1);
  });

  it('removes a whole and its parts that have not started', async () => {
    const producer = makeFanOut({ workers: { enabled: false, partConcurrency: 1, wholeConcurrency: 1 } });
    await producer.sut.add({
      id: 'doc-4',
      data: { label: 'bill' },
      parts: [{ value: 1 }, { value: 2 }],
      workClass: 'bulk',
    });
    expect(await producer.sut.counts()).toMatchObject({ wholesWaiting: 1, partsWaiting: 2 });

    await producer.sut.remove('doc-4');

    expect(await producer.sut.counts()).toEqual({ wholesWaiting: 0, partsWaiting: 0, active: 0 });
  });

  it('refuses work at once with queue_unavailable, and closes within the wait, when Redis is unreachable', async () => {
    // Port 1 on loopback: nothing listens there, so every connection attempt is refused.
    const { sut } = makeFanOut({
      redisUrl: 'redis://127.0.0.1:1',
      redisWaitMs: 300,
      workers: { enabled: false, partConcurrency: 1, wholeConcurrency: 1 },
    });
    const started = performance.now();

    await expect(
      sut.add({ id: 'doc-down', data: { label: 'statement' }, parts: [{ value: 1 }], workClass: 'interactive' }),
    ).rejects.toMatchObject({ name: 'GenerationError', code: 'queue_unavailable' });
    expect(performance.now() - started).toBeLessThan(600);

    const closing = performance.now();
    await sut.close();
    expect(performance.now() - closing).toBeLessThan(1_500);
  });
});
