import { LlmTimeoutError } from '../llm.errors';
import { AttemptTimers, TotalTimer } from './attempt-timers';

const backend = { kind: 'vllm' as const, url: 'http://gpu:8000' };

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe(AttemptTimers.name, () => {
  it('aborts with a first-token timeout when nothing arrives in time', () => {
    const sut = new AttemptTimers({ firstTokenMs: 100, idleMs: 50 }, backend);

    jest.advanceTimersByTime(100);

    expect(sut.controller.signal.aborted).toBe(true);
    expect(sut.expired).toMatchObject({ phase: 'first_token', timeoutMs: 100, backend });
  });

  it('switches to the idle timer once a chunk arrives, restarting it on each chunk', () => {
    const sut = new AttemptTimers({ firstTokenMs: 100, idleMs: 50 }, backend);

    jest.advanceTimersByTime(90);
    sut.chunk();
    jest.advanceTimersByTime(40);
    sut.chunk();
    jest.advanceTimersByTime(40);
    expect(sut.controller.signal.aborted).toBe(false);
    jest.advanceTimersByTime(10);

    expect(sut.streaming).toBe(true);
    expect(sut.expired).toMatchObject({ phase: 'idle', timeoutMs: 50 });
  });

  it('never fires after stop', () => {
    const sut = new AttemptTimers({ firstTokenMs: 100, idleMs: 50 }, backend);

    sut.stop();
    jest.advanceTimersByTime(1_000);

    expect(sut.expired).toBeUndefined();
  });
});

describe(TotalTimer.name, () => {
  it('aborts with a total timeout when the time runs out', () => {
    const sut = new TotalTimer(200, new AbortController().signal);

    jest.advanceTimersByTime(200);

    expect(sut.expired).toBeInstanceOf(LlmTimeoutError);
    expect(sut.expired).toMatchObject({ phase: 'total', timeoutMs: 200 });
    expect(sut.signal.reason).toBe(sut.expired);
  });

  it("follows the caller's signal, and never expires once disposed", () => {
    const caller = new AbortController();
    const sut = new TotalTimer(200, caller.signal);

    sut.dispose();
    jest.advanceTimersByTime(200);
    caller.abort(new Error('gone'));

    expect(sut.signal.aborted).toBe(true);
    expect(sut.expired).toBeUndefined();
  });
});

describe(`${AttemptTimers.name} for an answer that is not streamed`, () => {
  it('bounds the whole answer by its own time, not the first-token time', () => {
    const sut = new AttemptTimers({ firstTokenMs: 100, idleMs: 50, answerMs: 400 }, backend);

    jest.advanceTimersByTime(399);
    expect(sut.controller.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);

    expect(sut.expired).toMatchObject({ phase: 'answer', timeoutMs: 400, message: 'no answer within 400 ms' });
  });
});

describe(`${AttemptTimers.name} for an answer of unknown length`, () => {
  it('arms no timer of its own', () => {
    const sut = new AttemptTimers({ firstTokenMs: 100, idleMs: 50, answerMs: null }, backend);

    jest.advanceTimersByTime(60_000);

    expect(sut.expired).toBeUndefined();
  });
});
