import { decideLimit } from './concurrency-controller';

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
});
