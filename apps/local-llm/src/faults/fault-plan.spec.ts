import { ApiError } from '../http/api-error';
import { faultSchema } from './fault.schema';
import { FaultPlan } from './fault-plan';

const planOf = (faults: Record<string, unknown>[], signal = new AbortController().signal) =>
  new FaultPlan(
    faults.map((fault) => faultSchema.parse(fault)),
    signal,
  );

describe(FaultPlan.name, () => {
  describe('beforeGeneration', () => {
    it('throws the injected status as an ApiError, a 429 with Retry-After 1 unless told otherwise', async () => {
      const error = await planOf([{ kind: 'status', status: 429 }])
        .beforeGeneration()
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 429, headers: { 'Retry-After': '1' } });
      expect((error as ApiError).message).toContain('Too Many Requests');
    });

    it('sends the Retry-After it is given, and none on a 500 without one', async () => {
      await expect(
        planOf([{ kind: 'status', status: 503, retryAfterSeconds: 30 }]).beforeGeneration(),
      ).rejects.toMatchObject({ status: 503, headers: { 'Retry-After': '30' } });
      await expect(planOf([{ kind: 'status', status: 500 }]).beforeGeneration()).rejects.toMatchObject({
        status: 500,
        headers: {},
      });
    });

    describe('with a first-token delay', () => {
      beforeEach(() => jest.useFakeTimers());
      afterEach(() => jest.useRealTimers());

      it('resolves only after delayMs', async () => {
        let done = false;
        void planOf([{ kind: 'delay-first-token', delayMs: 500 }])
          .beforeGeneration()
          .then(() => (done = true));

        await jest.advanceTimersByTimeAsync(499);
        expect(done).toBe(false);
        await jest.advanceTimersByTimeAsync(1);
        expect(done).toBe(true);
      });

      it('gives up with 499 when the client goes away, so nothing is generated', async () => {
        const client = new AbortController();
        const waiting = planOf([{ kind: 'delay-first-token', delayMs: 60_000 }], client.signal)
          .beforeGeneration()
          .catch((caught: unknown) => caught);

        client.abort();

        expect(await waiting).toMatchObject({ status: 499 });
      });
    });

    it('lets a request without faults through at once', async () => {
      await expect(FaultPlan.none.beforeGeneration()).resolves.toBeUndefined();
    });
  });

  describe('wholeAnswer', () => {
    it('answers as normal without faults', () => {
      expect(FaultPlan.none.wholeAnswer()).toEqual({ wait: 0, outcome: 'answer' });
    });

    it('delays by the stall duration, or until the client goes away when it has none', () => {
      expect(planOf([{ kind: 'stall', afterTokens: 3, durationMs: 700 }]).wholeAnswer()).toEqual({
        wait: 700,
        outcome: 'answer',
      });
      expect(planOf([{ kind: 'stall', afterTokens: 3 }]).wholeAnswer()).toEqual({
        wait: 'until-disconnect',
        outcome: 'answer',
      });
    });

    it('cuts or truncates by the first such fault listed, after any stall', () => {
      expect(
        planOf([
          { kind: 'stall', afterTokens: 0, durationMs: 100 },
          { kind: 'malformed', afterTokens: 2 },
          { kind: 'cut', afterTokens: 1 },
        ]).wholeAnswer(),
      ).toEqual({ wait: 100, outcome: 'truncate' });
      expect(planOf([{ kind: 'cut', afterTokens: 5 }]).wholeAnswer()).toEqual({ wait: 0, outcome: 'cut' });
    });
  });
});
