import { decideLimit, Observation } from './concurrency-controller';
import { ReplicaPresence, sumReplicaLoads } from './replica-loads';

const bounds = { min: 1, max: 512 };
const engine = (running: number, waiting: number, kvCacheUsage = 0.1) => ({ running, waiting, kvCacheUsage });

describe(decideLimit.name, () => {
  it('grows while there is a backlog, the limit is used and the engine queue is empty', () => {
    expect(decideLimit(16, bounds, { backlog: 100, inFlight: 16, engine: engine(16, 0), overloads: 0 }).limit).toBe(20);
  });

  it('jumps no higher than where the engine queue last overflowed, plus 8', () => {
    const seen = {
      backlog: 100,
      inFlight: 240,
      engine: engine(240, 0),
      overloads: 0,
      previousRunning: 200,
      knownCeiling: 256,
    };

    expect(decideLimit(240, bounds, seen).limit).toBe(264);
  });

  it('only probes when the engine queue is empty but its running count has stopped rising', () => {
    const seen = { backlog: 100, inFlight: 260, engine: engine(256, 0), overloads: 0, previousRunning: 256 };

    expect(decideLimit(260, bounds, seen).limit).toBe(265);
  });

  it('probes upwards while the engine queue is short, and holds near the top of 1 to 8', () => {
    expect(decideLimit(258, bounds, { backlog: 100, inFlight: 258, engine: engine(256, 2), overloads: 0 }).limit).toBe(
      261,
    );
    expect(
      decideLimit(262, bounds, { backlog: 100, inFlight: 262, engine: engine(256, 6), overloads: 0 }),
    ).toMatchObject({
      limit: 262,
    });
  });

  it('shrinks to what the engine runs plus 8 when its queue grows past 8, and no further on the next tick', () => {
    expect(decideLimit(300, bounds, { backlog: 100, inFlight: 300, engine: engine(256, 44), overloads: 0 }).limit).toBe(
      264,
    );
    // The 44 already sent are still waiting in the engine a tick later: the limit stays.
    expect(decideLimit(264, bounds, { backlog: 100, inFlight: 300, engine: engine(256, 44), overloads: 0 }).limit).toBe(
      264,
    );
  });

  it('counts requests the lagging gauges do not show yet as waiting', () => {
    // The engine still reports 100 running and none waiting, but 140 are in flight.
    const decision = decideLimit(140, bounds, { backlog: 100, inFlight: 140, engine: engine(100, 0), overloads: 0 });

    expect(decision.limit).toBeLessThan(140);
    expect(decision.reason).toContain('engine queue 31');
  });

  it('does not grow without a backlog or below its own limit', () => {
    expect(decideLimit(16, bounds, { backlog: 0, inFlight: 16, engine: engine(16, 0), overloads: 0 }).limit).toBe(16);
    expect(decideLimit(16, bounds, { backlog: 50, inFlight: 12, engine: engine(12, 0), overloads: 0 }).limit).toBe(16);
  });

  it('halves on 429 or 503, within bounds', () => {
    expect(decideLimit(64, bounds, { backlog: 10, inFlight: 64, engine: engine(64, 0), overloads: 2 }).limit).toBe(32);
    expect(decideLimit(1, bounds, { backlog: 10, inFlight: 1, overloads: 1 }).limit).toBe(1);
  });

  it('without engine gauges (Ollama) grows by one while TTFT stays near its best, and backs off when it climbs', () => {
    expect(decideLimit(2, bounds, { backlog: 10, inFlight: 2, overloads: 0, ttftMs: 110 }, 100).limit).toBe(3);
    expect(decideLimit(8, bounds, { backlog: 10, inFlight: 8, overloads: 0, ttftMs: 400 }, 100).limit).toBe(6);
  });

  it('slow start: doubles per tick with a backlog and idle engines, and ends when an engine queue forms', () => {
    const tick = (limit: number, running: number, waiting: number, previousRunning?: number) =>
      decideLimit(limit, bounds, {
        backlog: 500,
        inFlight: limit,
        engine: engine(running, waiting),
        overloads: 0,
        previousRunning,
        slowStart: true,
      });

    expect(tick(8, 8, 0)).toMatchObject({ limit: 16, slowStart: true, reason: 'slow start: backlog and idle engines' });
    // A few just sent wait for the engine's next step while its running count still rises: not a queue.
    expect(tick(16, 12, 4, 8)).toMatchObject({ limit: 32, slowStart: true });
    expect(tick(32, 32, 0, 12)).toMatchObject({ limit: 64, slowStart: true });
    // Requests waiting while the running count stopped rising: slow start is over, the additive probe takes over.
    expect(tick(64, 63, 1, 64)).toMatchObject({ limit: 68, slowStart: false });
    // More waiting than the target is a queue however the running count moves.
    expect(tick(64, 40, 24, 32)).toMatchObject({ limit: 48, slowStart: false });
  });

  it('slow start counts requests the lagging gauges do not show yet as a queue forming', () => {
    const decision = decideLimit(64, bounds, {
      backlog: 500,
      inFlight: 64,
      engine: engine(32, 0),
      overloads: 0,
      slowStart: true,
    });

    expect(decision.slowStart).toBe(false);
    expect(decision.limit).toBeLessThanOrEqual(64);
  });

  it('slow start: requests the gauges read just after a doubling do not show yet are on their way, not a queue', () => {
    const seen = { backlog: 500, inFlight: 64, engine: engine(32, 0), overloads: 0, slowStart: true };

    expect(decideLimit(64, bounds, { ...seen, readAfterChangeMs: 120 })).toMatchObject({
      limit: 64,
      slowStart: true,
      probe: true,
      reason: 'slow start: 26 requests on their way to the engines',
    });
    // A few waiting for the engine's next step while its running count rises are no queue either.
    expect(decideLimit(64, bounds, { ...seen, engine: engine(32, 2), readAfterChangeMs: 120 })).toMatchObject({
      limit: 64,
      slowStart: true,
    });
    // The engine's own queue past the target ends slow start; a second after the change they count again.
    expect(decideLimit(64, bounds, { ...seen, engine: engine(32, 12), readAfterChangeMs: 120 }).slowStart).toBe(false);
    expect(decideLimit(64, bounds, { ...seen, readAfterChangeMs: 1_000 }).slowStart).toBe(false);
  });

  it('slow start doubles up to 64 per replica, then adds 64 per replica a step, and never past a known ceiling', () => {
    const seen = (limit: number, replicas: number) => ({
      backlog: 1_000,
      inFlight: limit,
      engine: engine(limit, 0),
      overloads: 0,
      slowStart: true,
      replicas,
    });

    expect(decideLimit(64, bounds, seen(64, 1)).limit).toBe(128);
    expect(decideLimit(128, bounds, seen(128, 1)).limit).toBe(192);
    expect(decideLimit(192, { min: 1, max: 1024 }, seen(192, 3)).limit).toBe(384);
    expect(decideLimit(512, { min: 1, max: 1024 }, seen(512, 3)).limit).toBe(704);
    expect(decideLimit(128, bounds, { ...seen(128, 1), knownCeiling: 140 }).limit).toBe(148);
  });

  it('slow start asks for a quick reading after a doubling and while waiting on one, not after it ends', () => {
    const seen = { backlog: 500, inFlight: 16, engine: engine(16, 0), overloads: 0, slowStart: true };

    expect(decideLimit(16, bounds, seen)).toMatchObject({ limit: 32, probe: true });
    expect(decideLimit(32, bounds, { ...seen, staleReading: true })).toMatchObject({ limit: 32, probe: true });
    expect(decideLimit(32, bounds, { ...seen, inFlight: 20 })).toMatchObject({ limit: 32, probe: true });
    expect(decideLimit(32, bounds, { ...seen, backlog: 0, inFlight: 20 }).probe).toBe(false);
    expect(decideLimit(32, bounds, { ...seen, inFlight: 32, engine: engine(20, 12) }).probe).toBeFalsy();
    expect(decideLimit(32, bounds, { ...seen, slowStart: false }).probe).toBeFalsy();
  });

  it('holds on a reading taken before its last change (the provider reads /metrics every second)', () => {
    const seen = { backlog: 500, inFlight: 16, engine: engine(4, 12), overloads: 0, slowStart: true };

    expect(decideLimit(16, bounds, { ...seen, staleReading: true })).toMatchObject({ limit: 16, slowStart: true });
    expect(decideLimit(16, bounds, seen)).toMatchObject({ limit: 12, slowStart: false });
  });

  it('a batch at its bulk cap (the limit less the slot kept for interactive work) uses the limit', () => {
    const seen = { backlog: 92, inFlight: 7, engine: engine(7, 0), overloads: 0, slowStart: true };

    expect(decideLimit(8, bounds, seen)).toMatchObject({ limit: 16, slowStart: true });
    expect(decideLimit(32, bounds, { ...seen, inFlight: 30, engine: engine(30, 0) }).limit).toBe(64);
    expect(decideLimit(32, bounds, { ...seen, inFlight: 27, engine: engine(27, 0) }).limit).toBe(32);
  });

  it('slow start holds without a backlog at the limit, and a 429/503 ends it', () => {
    expect(
      decideLimit(16, bounds, { backlog: 0, inFlight: 3, engine: engine(3, 0), overloads: 0, slowStart: true }),
    ).toMatchObject({ limit: 16, slowStart: true });
    expect(
      decideLimit(16, bounds, { backlog: 9, inFlight: 16, engine: engine(16, 0), overloads: 1, slowStart: true }),
    ).toMatchObject({ limit: 8, slowStart: false });
  });

  it('slow start without gauges (Ollama): doubles while TTFT stays near its best, ends when it rises', () => {
    const seen = (ttftMs: number): Observation => ({ backlog: 50, inFlight: 4, overloads: 0, ttftMs, slowStart: true });

    expect(decideLimit(4, bounds, seen(120), 100)).toMatchObject({ limit: 8, slowStart: true });
    expect(decideLimit(4, bounds, seen(200), 100)).toMatchObject({ limit: 4, slowStart: false });
  });

  it('the engines target queue is per replica: 20 waiting over 4 replicas is in range, over 1 it is cut', () => {
    const seen = { backlog: 100, inFlight: 120, engine: engine(100, 20), overloads: 0 };

    expect(decideLimit(120, bounds, { ...seen, replicas: 4 }).limit).toBe(120);
    expect(decideLimit(120, bounds, { ...seen, replicas: 1 }).limit).toBe(108);
  });

  it('scales the limit by the replica count at once when one leaves or returns; a return restarts slow start', () => {
    const seen = { backlog: 100, inFlight: 120, engine: engine(100, 4), overloads: 0 };

    expect(decideLimit(120, bounds, { ...seen, replicas: 3, previousReplicas: 4 })).toMatchObject({
      limit: 90,
      reason: 'replicas 4 -> 3',
      slowStart: false,
    });
    expect(decideLimit(90, bounds, { ...seen, replicas: 4, previousReplicas: 3 })).toMatchObject({
      limit: 120,
      slowStart: true,
    });
    // None serving: nothing to size the limit for, it holds.
    expect(decideLimit(90, bounds, { ...seen, replicas: 0, previousReplicas: 3 }).limit).toBe(90);
  });
});

describe(sumReplicaLoads.name, () => {
  it('sums the gauges of the replicas serving, counts those that answer, and keeps the fullest KV cache', () => {
    expect(
      sumReplicaLoads([
        { url: 'a', up: true, load: engine(10, 2, 0.3) },
        { url: 'b', up: true, load: engine(20, 1, 0.7) },
        { url: 'c', up: false, load: engine(99, 99, 0.99) },
        { url: 'd', up: true }, // its /metrics did not answer: not counted
      ]),
    ).toEqual({ replicas: 2, engine: { running: 30, waiting: 3, kvCacheUsage: 0.7 } });
    expect(
      sumReplicaLoads([
        { url: 'a', up: true },
        { url: 'b', up: false },
      ]),
    ).toEqual({ replicas: 1 });
  });
});

describe(ReplicaPresence.name, () => {
  it('counts a replica whose reading is missing as gone on the second tick in a row, not the first', () => {
    const sut = new ReplicaPresence();
    const tick = (bLoaded: boolean) =>
      sut.see([
        { url: 'a', up: true, load: engine(4, 0) },
        { url: 'b', up: true, load: bLoaded ? engine(4, 0) : undefined },
      ]).replicas;

    expect([tick(true), tick(false), tick(true), tick(false), tick(false), tick(false), tick(true)]).toEqual([
      2, 2, 2, 2, 1, 1, 2,
    ]);
  });
});
