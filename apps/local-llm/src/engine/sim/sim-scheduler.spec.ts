import { blockHashes } from './prompt-blocks';
import { SIM_PROFILES, SimProfile } from './sim-profiles';
import { SchedulingPolicy, SimScheduler, SimSchedulerOptions, SimSequence } from './sim-scheduler';

const profile: SimProfile = { ...SIM_PROFILES.fast, maxNumSeqs: 3, kvCacheTokens: 1000 };

let ids = 0;
function sequence(overrides: Partial<SimSequence> = {}): SimSequence {
  ids += 1;
  return {
    id: ids,
    priority: 0,
    promptTokens: 10,
    targetTokens: 5,
    generated: 0,
    arrivedAtMs: 0,
    preemptions: 0,
    ...overrides,
  };
}

function scheduler(
  policy: SchedulingPolicy = 'fcfs',
  overrides: Partial<SimProfile> = {},
  options: Partial<SimSchedulerOptions> = {},
) {
  const merged = { ...profile, ...overrides };
  return new SimScheduler(merged, { policy, maxNumSeqs: merged.maxNumSeqs, maxQueue: 100, ...options });
}

/** A prompt of `tokens` tokens whose first `shared` come from a system prompt shared with other requests. */
function promptSharing(shared: number, tokens: number, own: string) {
  const list = Array.from({ length: tokens }, (_, i) => (i < shared ? `system${i}` : `${own}${i}`));
  return { promptTokens: tokens, promptBlockHashes: blockHashes(list, profile.blockSize) };
}

function drain(sut: SimScheduler) {
  const records = [];
  for (let record = sut.step(); record; record = sut.step()) records.push(record);
  return records;
}

describe(SimScheduler.name, () => {
  it('never runs more than maxNumSeqs sequences at once', () => {
    const sut = scheduler();
    for (let i = 0; i < 10; i += 1) sut.submit(sequence());

    const records = drain(sut);

    expect(Math.max(...records.map((record) => record.running))).toBe(3);
    expect(records.flatMap((record) => record.finished)).toHaveLength(10);
  });

  it('admits in arrival order under FCFS', () => {
    const sut = scheduler('fcfs', { maxNumSeqs: 1 });
    const submitted = [sequence({ priority: 5 }), sequence({ priority: 1 }), sequence({ priority: 3 })];
    submitted.forEach((item) => sut.submit(item));

    const order = drain(sut).flatMap((record) => record.admitted);

    expect(order).toEqual(submitted.map((item) => item.id));
  });

  it('admits the lowest priority value first under the priority policy, ties in arrival order', () => {
    const sut = scheduler('priority', { maxNumSeqs: 1 });
    const [a, b, c, d] = [
      sequence({ priority: 5 }),
      sequence({ priority: 1 }),
      sequence({ priority: 3 }),
      sequence({ priority: 1 }),
    ];
    [a, b, c, d].forEach((item) => sut.submit(item));

    const order = drain(sut).flatMap((record) => record.admitted);

    expect(order).toEqual([b.id, d.id, c.id, a.id]);
  });

  it('keeps the KV cache within budget, waiting when full and preempting the newest when sequences outgrow it', () => {
    // 3 sequences of 100 prompt tokens growing to 150 tokens need 450 tokens; the budget is 400.
    const sut = scheduler('fcfs', { kvCacheTokens: 400 });
    const submitted = [0, 1, 2].map(() => sequence({ promptTokens: 100, targetTokens: 50 }));
    submitted.forEach((item) => sut.submit(item));

    const records = drain(sut);

    expect(Math.max(...records.map((record) => record.kvTokensUsed))).toBeLessThanOrEqual(400);
    const preempted = records.flatMap((record) => record.preempted);
    expect(preempted[0]).toBe(submitted[2].id);
    expect(submitted[2].preemptions).toBeGreaterThan(0);
    expect(records.flatMap((record) => record.finished).sort()).toEqual(submitted.map((item) => item.id).sort());
    // A preempted sequence is recomputed: its prompt and generated tokens are prefilled again.
    const readmission = records.find((record) => record.admitted.includes(submitted[2].id) && record.startMs > 0);
    expect(readmission?.prefillTokens).toBeGreaterThan(100);
  });

  it('times each step as base + perSeq x running + prefill x admitted tokens, in its own clock', () => {
    const sut = scheduler('fcfs', { stepBaseMs: 10, stepPerSeqMs: 2, prefillPerTokenMs: 0.5 });
    sut.submit(sequence({ promptTokens: 20, targetTokens: 3 }));
    sut.submit(sequence({ promptTokens: 40, targetTokens: 3 }));

    const [first, second] = drain(sut);

    expect(first).toMatchObject({ running: 2, prefillTokens: 60, durationMs: 10 + 2 * 2 + 0.5 * 60, startMs: 0 });
    expect(second).toMatchObject({ running: 2, prefillTokens: 0, durationMs: 14, startMs: 44 });
    expect(sut.nowMs).toBe(44 + 14 + 14);
  });

  it('stops at the target tokens and reports each token in order', () => {
    const sut = scheduler();
    const item = sequence({ targetTokens: 4 });
    sut.submit(item);

    const records = drain(sut);

    expect(records).toHaveLength(4);
    expect(item.generated).toBe(4);
    expect(records[3].finished).toEqual([item.id]);
    expect(sut.load()).toEqual({ running: 0, waiting: 0, kvCacheUsage: 0 });
  });

  it('refuses a request when the wait queue is full', () => {
    const sut = new SimScheduler(profile, { policy: 'fcfs', maxNumSeqs: 1, maxQueue: 2 });
    sut.submit(sequence());
    sut.submit(sequence());

    expect(() => sut.submit(sequence())).toThrow(/maximum pending requests/);
  });

  it('frees a cancelled sequence at once', () => {
    const sut = scheduler();
    const item = sequence({ targetTokens: 100 });
    sut.submit(item);
    sut.step();
    expect(sut.load().running).toBe(1);

    sut.cancel(item.id);

    expect(sut.load()).toEqual({ running: 0, waiting: 0, kvCacheUsage: 0 });
  });

  it('skips the prefill of a cached prefix: the second of two prompts sharing 32 tokens computes the other 8', () => {
    const sut = scheduler('fcfs', { stepBaseMs: 10, stepPerSeqMs: 2, prefillPerTokenMs: 0.5 });
    sut.submit(sequence({ ...promptSharing(32, 40, 'a'), targetTokens: 2 }));
    drain(sut);
    sut.submit(sequence({ ...promptSharing(32, 40, 'b'), targetTokens: 2 }));

    const [first] = drain(sut);

    expect(first).toMatchObject({ prefillTokens: 8, cachedTokens: 32, durationMs: 10 + 2 + 0.5 * 8 });
    expect(sut.prefixCacheStats()).toEqual({ queries: 80, hits: 32 });
    // Cached but unheld blocks are free in vLLM's usage figure.
    expect(sut.cachedBlocks).toBe(2);
    expect(sut.load().kvCacheUsage).toBe(0);
  });

  it('computes every prompt in full without prefix caching (--no-enable-prefix-caching)', () => {
    const sut = scheduler(
      'fcfs',
      { stepBaseMs: 10, stepPerSeqMs: 2, prefillPerTokenMs: 0.5 },
      { prefixCaching: false },
    );
    sut.submit(sequence({ ...promptSharing(32, 40, 'a'), targetTokens: 2 }));
    drain(sut);
    sut.submit(sequence({ ...promptSharing(32, 40, 'b'), targetTokens: 2 }));

    const [first] = drain(sut);

    expect(first).toMatchObject({ prefillTokens: 40, cachedTokens: 0, durationMs: 10 + 2 + 0.5 * 40 });
    expect(sut.prefixCacheStats()).toEqual({ queries: 0, hits: 0 });
  });

  it('shares a prefix between sequences admitted in the same step, holding its blocks once', () => {
    const sut = scheduler('fcfs', { kvCacheTokens: 160 }); // 10 blocks of 16
    const submitted = [0, 1, 2].map((i) => sequence({ ...promptSharing(48, 50, `s${i}`), targetTokens: 3 }));
    submitted.forEach((item) => sut.submit(item));

    const [first] = drain(sut);

    // 51 tokens of room each: 4 blocks, 3 of them the shared prefix: 3 + 3 x 1 blocks, not 12.
    expect(first).toMatchObject({ admitted: submitted.map((item) => item.id), cachedTokens: 2 * 48, kvBlocksUsed: 6 });
  });

  it('takes twice the simulated time for the same work at half speed', () => {
    const run = (speed: number) => {
      const sut = scheduler('fcfs', { stepBaseMs: 10, stepPerSeqMs: 2, prefillPerTokenMs: 0.5 }, { speed });
      for (let i = 0; i < 5; i += 1) sut.submit(sequence({ promptTokens: 20 + i, targetTokens: 4 + i }));
      return { records: drain(sut), clock: sut.nowMs };
    };

    const full = run(1);
    const half = run(0.5);

    expect(half.records.map((record) => record.durationMs)).toEqual(full.records.map((r) => r.durationMs * 2));
    expect(half.clock).toBeCloseTo(full.clock * 2, 9);
    expect(full.records[0].durationMs).toBe(10 + 2 * 3 + 0.5 * (20 + 21 + 22));
  });

  it('keeps cached prefixes within the KV budget, evicting them for new work', () => {
    const sut = scheduler('fcfs', { kvCacheTokens: 64, maxNumSeqs: 1 }); // 4 blocks
    const submitted = [0, 1, 2, 3, 4].map((i) => sequence({ ...promptSharing(0, 40, `p${i}`), targetTokens: 8 }));
    submitted.forEach((item) => sut.submit(item));
    let mostCached = 0;

    const records = [];
    for (let record = sut.step(); record; record = sut.step()) {
      records.push(record);
      mostCached = Math.max(mostCached, sut.cachedBlocks);
    }

    expect(records.flatMap((record) => record.finished)).toEqual(submitted.map((item) => item.id));
    expect(Math.max(...records.map((record) => record.kvBlocksUsed))).toBeLessThanOrEqual(4);
    expect(mostCached).toBeLessThanOrEqual(4);
    // The last prompt's two blocks stay cached, and the one before keeps what was not needed.
    expect(sut.cachedBlocks).toBeGreaterThanOrEqual(2);
  });
});
