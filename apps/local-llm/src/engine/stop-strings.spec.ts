import { StopStringMatcher } from './stop-strings';

function feed(stops: string[], chunks: string[]) {
  const streamed: string[] = [];
  const sut = new StopStringMatcher(stops, (text) => streamed.push(text));
  for (const chunk of chunks) sut.push(chunk);
  sut.flush();
  return { sut, streamed };
}

describe(StopStringMatcher.name, () => {
  it('keeps the text before the stop string, trailing space included', () => {
    const { sut } = feed(['world'], ['"hello', ' world', '"']);

    expect(sut.stopped).toBe(true);
    expect(sut.text).toBe('"hello ');
  });

  it('finds a stop string split across chunks, and never streams part of it', () => {
    const { sut, streamed } = feed(['STOP'], ['abc S', 'T', 'OP def']);

    expect(sut.text).toBe('abc ');
    expect(streamed.join('')).toBe('abc ');
    expect(streamed.some((text) => text.includes('S'))).toBe(false);
  });

  it('passes on held-back text that turned out not to be a stop string', () => {
    const { sut, streamed } = feed(['STOP'], ['abc ST', 'ART']);

    expect(sut.stopped).toBe(false);
    expect(streamed.join('')).toBe('abc START');
  });

  it('cuts at the earliest of several stop strings', () => {
    const { sut } = feed(['\n\n', 'END'], ['one END two\n\nthree']);

    expect(sut.text).toBe('one ');
  });

  it('streams everything at once when there are no stop strings', () => {
    const { streamed } = feed([], ['a', 'b']);

    expect(streamed).toEqual(['a', 'b']);
  });
});
