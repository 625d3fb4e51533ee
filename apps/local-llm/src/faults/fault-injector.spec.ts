import { faultSchema } from './fault.schema';
import type { Fault } from './fault.schema';
import { FaultInjector } from './fault-injector';
import type { RequestTarget } from './fault-injector';
import type { ListenerControl } from './listener-control';

const fault = (input: Record<string, unknown>): Fault => faultSchema.parse(input);
const live = () => new AbortController().signal;
const kindsHitting = (sut: FaultInjector, target: RequestTarget) =>
  sut.plan(target, live()).faults.map((hit) => hit.kind);

describe(FaultInjector.name, () => {
  it('hits only requests of the fault target, chat by default, and every kind for target all', () => {
    const sut = new FaultInjector({
      seed: 1,
      faults: [
        fault({ kind: 'delay-first-token', delayMs: 1 }),
        fault({ kind: 'stall', afterTokens: 1, target: 'embeddings' }),
        fault({ kind: 'cut', afterTokens: 1, target: 'all' }),
      ],
    });

    expect(kindsHitting(sut, 'chat')).toEqual(['delay-first-token', 'cut']);
    expect(kindsHitting(sut, 'embeddings')).toEqual(['stall', 'cut']);
    expect(kindsHitting(sut, 'health')).toEqual(['cut']);
  });

  it('never hits /health with malformed, which needs a JSON answer, even for target all', () => {
    const sut = new FaultInjector({ seed: 1, faults: [fault({ kind: 'malformed', afterTokens: 1, target: 'all' })] });

    expect(kindsHitting(sut, 'health')).toEqual([]);
    expect(kindsHitting(sut, 'embeddings')).toEqual(['malformed']);
  });

  it('hits the next `count` matching requests, shows the hits left, then removes the fault', () => {
    const sut = new FaultInjector({
      seed: 1,
      faults: [fault({ kind: 'status', status: 503, count: 2 }), fault({ kind: 'cut', afterTokens: 1 })],
    });

    expect(kindsHitting(sut, 'embeddings')).toEqual([]);
    expect(kindsHitting(sut, 'chat')).toEqual(['status']);
    expect(sut.list()[0]).toMatchObject({ kind: 'status', count: 1 });
    expect(kindsHitting(sut, 'chat')).toEqual(['status']);

    expect(sut.list().map((active) => active.kind)).toEqual(['cut']);
    expect(kindsHitting(sut, 'chat')).toEqual(['cut']);
  });

  it('stops at a status fault: the faults after it are neither applied nor counted', () => {
    const sut = new FaultInjector({
      seed: 1,
      faults: [fault({ kind: 'status', status: 500 }), fault({ kind: 'cut', afterTokens: 1, count: 1 })],
    });

    expect(kindsHitting(sut, 'chat')).toEqual(['status']);
    expect(sut.list()[1]).toMatchObject({ kind: 'cut', count: 1 });
  });

  it('hits about `fraction` of matching requests, and the same ones again for the same seed', () => {
    const faults = [fault({ kind: 'status', status: 503, fraction: 0.3 })];
    const draw = (sut: FaultInjector) => Array.from({ length: 1000 }, () => kindsHitting(sut, 'chat').length);

    const first = draw(new FaultInjector({ seed: 7, faults }));
    const again = draw(new FaultInjector({ seed: 7, faults }));
    const otherSeed = draw(new FaultInjector({ seed: 8, faults }));

    const hits = first.reduce((sum, hit) => sum + hit, 0);
    expect(hits).toBeGreaterThan(250);
    expect(hits).toBeLessThan(350);
    expect(again).toEqual(first);
    expect(otherSeed).not.toEqual(first);
  });

  it('restarts the draws when the faults are replaced, so a test repeats', () => {
    const faults = [fault({ kind: 'cut', afterTokens: 1, fraction: 0.5 })];
    const sut = new FaultInjector({ seed: 3 });
    const draw = () => Array.from({ length: 50 }, () => kindsHitting(sut, 'chat').length);

    sut.replace(faults);
    const first = draw();
    sut.replace(faults);

    expect(draw()).toEqual(first);
  });

  it('never hits at fraction 0', () => {
    const sut = new FaultInjector({ seed: 3, faults: [fault({ kind: 'cut', afterTokens: 1, fraction: 0 })] });

    expect(Array.from({ length: 100 }, () => kindsHitting(sut, 'chat')).flat()).toEqual([]);
  });

  it('hits no request once cleared', () => {
    const sut = new FaultInjector({ seed: 1, faults: [fault({ kind: 'status', status: 503 })] });

    sut.clear();

    expect(sut.list()).toEqual([]);
    expect(kindsHitting(sut, 'chat')).toEqual([]);
  });

  describe('refuse-connections', () => {
    // A double of the listening server: pausing and resuming a real one under Jest's fake timers would
    // need the network in a unit test. It records the calls, so the timing of pause and resume can be
    // read exactly; a real listener refusing and then accepting connections is tested in
    // apps/local-llm-e2e/src/faults.e2e-spec.ts.
    const listener = () => {
      const calls: string[] = [];
      const control: ListenerControl = {
        pause: () => calls.push('pause'),
        resume: async () => {
          calls.push('resume');
        },
      };
      return { calls, control };
    };

    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('closes the listener when one is attached, listens again after durationMs, and is then gone', async () => {
      const sut = new FaultInjector({ seed: 1, faults: [fault({ kind: 'refuse-connections', durationMs: 2000 })] });
      const { calls, control } = listener();

      sut.attachListener(control);

      expect(calls).toEqual(['pause']);
      expect(sut.refusingConnections).toBe(true);
      await jest.advanceTimersByTimeAsync(1999);
      expect(calls).toEqual(['pause']);
      await jest.advanceTimersByTimeAsync(1);
      expect(calls).toEqual(['pause', 'resume']);
      expect(sut.refusingConnections).toBe(false);
      expect(sut.list()).toEqual([]);
    });

    it('waits for applyListenerFaults when set by replace, so the admin reply goes out first', () => {
      const sut = new FaultInjector({ seed: 1 });
      const { calls, control } = listener();
      sut.attachListener(control);

      sut.replace([fault({ kind: 'refuse-connections', durationMs: 100 })]);
      expect(calls).toEqual([]);
      sut.applyListenerFaults();

      expect(calls).toEqual(['pause']);
    });

    it('hits no request itself', () => {
      const sut = new FaultInjector({ seed: 1, faults: [fault({ kind: 'refuse-connections', durationMs: 100 })] });

      expect(kindsHitting(sut, 'chat')).toEqual([]);
    });

    it('does not listen again once closed for shutdown', async () => {
      const sut = new FaultInjector({ seed: 1, faults: [fault({ kind: 'refuse-connections', durationMs: 100 })] });
      const { calls, control } = listener();
      sut.attachListener(control);

      sut.close();
      await jest.advanceTimersByTimeAsync(200);

      expect(calls).toEqual(['pause']);
    });
  });
});
