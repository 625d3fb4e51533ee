import { EventEmitter } from 'node:events';
import { faultSchema } from './fault.schema';
import type { StreamFault } from './fault.schema';
import { FaultStream, MALFORMED_LINES } from './fault-stream';
import type { StreamFormat, StreamSink } from './fault-stream';

/**
 * Records what reaches the client; `close` is the client going away. A double of the HTTP response, so
 * that a unit test (no network) can see each chunk in order, and whether the stream ended or was cut:
 * over a socket the two can look alike. The same faults through a real server and the official clients
 * are in apps/local-llm-e2e/src/faults.e2e-spec.ts.
 */
class RecordingSink extends EventEmitter implements StreamSink {
  readonly sent: string[] = [];
  ended = false;
  destroyed = false;

  write(text: string) {
    this.sent.push(text);
  }
  end(text: string) {
    this.sent.push(text);
    this.ended = true;
  }
  destroy() {
    this.destroyed = true;
  }
}

const streamWith = (faults: Record<string, unknown>[], format: StreamFormat = 'sse') => {
  const sink = new RecordingSink();
  const sut = new FaultStream(
    sink,
    format,
    faults.map((fault) => faultSchema.parse(fault) as StreamFault),
  );
  return { sink, sut };
};

const sendAnswer = (sut: FaultStream, chunks: number) => {
  for (let index = 1; index <= chunks; index += 1) sut.chunk(`c${index}`);
  sut.end('end');
};

describe(FaultStream.name, () => {
  it('passes every chunk and the end through when no fault hits', () => {
    const { sink, sut } = streamWith([]);

    sendAnswer(sut, 3);

    expect(sink.sent).toEqual(['c1', 'c2', 'c3', 'end']);
    expect(sink.ended).toBe(true);
  });

  it('cuts after N chunks: the connection is destroyed and nothing else is written', () => {
    const { sink, sut } = streamWith([{ kind: 'cut', afterTokens: 2 }]);

    sendAnswer(sut, 5);

    expect(sink.sent).toEqual(['c1', 'c2']);
    expect(sink.destroyed).toBe(true);
    expect(sink.ended).toBe(false);
  });

  it('cuts before the closing lines when the answer has fewer chunks than afterTokens', () => {
    const { sink, sut } = streamWith([{ kind: 'cut', afterTokens: 10 }]);

    sendAnswer(sut, 3);

    expect(sink.sent).toEqual(['c1', 'c2', 'c3']);
    expect(sink.destroyed).toBe(true);
  });

  it.each([
    ['sse', 'data: {"id": broken\n\n'],
    ['ndjson', '{"model": broken\n'],
  ] as const)('writes one malformed %s line after N chunks, then finishes normally', (format, line) => {
    const { sink, sut } = streamWith([{ kind: 'malformed', afterTokens: 1 }], format);

    sendAnswer(sut, 3);

    expect(sink.sent).toEqual(['c1', line, 'c2', 'c3', 'end']);
    expect(MALFORMED_LINES[format]).toBe(line);
    expect(() => JSON.parse(line.replace(/^data: /, ''))).toThrow(SyntaxError);
  });

  describe('stall', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('holds everything after N chunks for durationMs, then sends it in order and ends', async () => {
      const { sink, sut } = streamWith([{ kind: 'stall', afterTokens: 2, durationMs: 1000 }]);

      sendAnswer(sut, 4);
      expect(sink.sent).toEqual(['c1', 'c2']);
      await jest.advanceTimersByTimeAsync(999);
      expect(sink.sent).toEqual(['c1', 'c2']);
      await jest.advanceTimersByTimeAsync(1);

      expect(sink.sent).toEqual(['c1', 'c2', 'c3', 'c4', 'end']);
      expect(sink.ended).toBe(true);
    });

    it('holds until the client goes away without a duration, and then writes nothing', async () => {
      const { sink, sut } = streamWith([{ kind: 'stall', afterTokens: 1 }]);

      sendAnswer(sut, 3);
      await jest.advanceTimersByTimeAsync(600_000);
      expect(sink.sent).toEqual(['c1']);
      sink.emit('close');
      sut.chunk('late');

      expect(sink.sent).toEqual(['c1']);
      expect(sink.ended).toBe(false);
    });

    it('applies the faults in afterTokens order: a stall, then a cut once the stall is over', async () => {
      const { sink, sut } = streamWith([
        { kind: 'cut', afterTokens: 3 },
        { kind: 'stall', afterTokens: 1, durationMs: 50 },
      ]);

      sendAnswer(sut, 5);
      expect(sink.sent).toEqual(['c1']);
      await jest.advanceTimersByTimeAsync(50);

      expect(sink.sent).toEqual(['c1', 'c2', 'c3']);
      expect(sink.destroyed).toBe(true);
    });
  });
});
