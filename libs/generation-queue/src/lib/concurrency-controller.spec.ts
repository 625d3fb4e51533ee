import { decideLimit } from './concurrency-controller';

const bounds = { min: 1, max: 512 };
const engine = (running: number, waiting: number, kvCacheUsage = 0.1) => ({ running, waiting, kvCacheUsage });

describe(decideLimit.name, () => {
  it('grows while there is a backlog, the limit is used and the engine queue is empty', () => {
    expect(decideLimit(16, bounds, { backlog: 100, inFlight: 16, engine: engine(16, 0), overloads: 0 }).limit).toBe(20);
  });

  it('holds while the engine queue is within 1 to 8', () => {
    expect(
      decideLimit(260, bounds, { backlog: 100, inFlight: 260, engine: engine(256, 4), overloads: 0 }),
    ).toMatchObject({ limit: 260 });
  });

  it('shrinks when the engine queue grows past 8', () => {
    expect(decideLimit(300, bounds, { backlog: 100, inFlight: 300, engine: engine(256, 44), overloads: 0 }).limit).toBe(
      282,
    );
  });

  it('counts requests the lagging gauges do not show yet as waiting', () => {
    // The engine still reports 100 running and none waiting, but 140 are in flight.
    const decision = decideLimit(140, bounds, { backlog: 100, inFlight: 140, engine: engine(100, 0), overloads: 0 });

    expect(decision.limit).toBeLessThan(140);
    expect(decision.reason).toContain('engine queue 40');
  });

  it('does not grow without a backlog or below its own limit', () => {
    expect(decideLimit(16, bounds, { backlog: 0, inFlight: 16, engine: engine(16, 0), overloads: 0 }).limit).toBe(16);
    expect(decideLimit(16, bounds, { backlog: 50, inFlight: 10, engine: engine(10, 0), overloads: 0 }).limit).toBe(16);
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
