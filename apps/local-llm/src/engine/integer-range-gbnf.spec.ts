import { integerBounds, integerRangeGbnf } from './integer-range-gbnf';

/**
 * The range grammars use literals, character classes, groups, `|` and `{m,n}`: the same language as a
 * regular expression, so a match decides whether llama.cpp's sampler could have produced the text.
 */
function gbnfToRegExp(gbnf: string): RegExp {
  const source = gbnf
    .replace(/"([^"]*)"/g, (_match, literal: string) => literal.replace(/[-]/g, '\\-'))
    .replace(/ /g, '');
  return new RegExp(`^(?:${source})$`);
}

const accepts = (gbnf: string) => {
  const pattern = gbnfToRegExp(gbnf);
  return (value: number) => pattern.test(String(value));
};

describe('integerRangeGbnf', () => {
  it.each([
    [18, 120],
    [0, 9],
    [1, 1],
    [-5, 5],
    [-120, -18],
    [7, 1000],
    [99, 101],
    [0, 65535],
  ])('accepts exactly the integers from %d to %d', (min, max) => {
    const sut = accepts(integerRangeGbnf({ min: BigInt(min), max: BigInt(max) }));

    for (let value = min - 300; value <= max + 300; value += 1) {
      expect([value, sut(value)]).toEqual([value, value >= min && value <= max]);
    }
  });

  it('keeps a minimum alone open above, up to the 16 digits llama.cpp allows', () => {
    const sut = accepts(integerRangeGbnf({ min: 18n, max: null }));

    expect([17, 0, -1, 180, 18, 19, 1_000_000].map(sut)).toEqual([false, false, false, true, true, true, true]);
  });

  it('keeps a maximum alone open below', () => {
    const sut = accepts(integerRangeGbnf({ min: null, max: 120n }));

    expect([121, 1000, 120, 0, -5, -100_000].map(sut)).toEqual([false, false, true, true, true, true]);
  });

  it('never accepts a leading zero or a lone minus sign', () => {
    const pattern = gbnfToRegExp(integerRangeGbnf({ min: 0n, max: 500n }));

    expect(['007', '00', '-', '', '0'].map((text) => pattern.test(text))).toEqual([false, false, false, false, true]);
  });
});

describe('integerBounds', () => {
  it('reads the bounds as llama.cpp does: inclusive ones win, exclusive ones move by one', () => {
    expect(integerBounds({ type: 'integer', minimum: 18, maximum: 120 })).toEqual({ min: 18n, max: 120n });
    expect(integerBounds({ type: 'integer', exclusiveMinimum: 17, exclusiveMaximum: 121 })).toEqual({
      min: 18n,
      max: 120n,
    });
    expect(integerBounds({ type: 'integer', minimum: 5, exclusiveMinimum: 9 })).toEqual({ min: 5n, max: null });
    expect(integerBounds({ type: 'integer', maximum: 9.7 })).toEqual({ min: null, max: 9n });
  });

  it('leaves numbers and unbounded integers to the plain rules', () => {
    expect(integerBounds({ type: 'number', minimum: 0 })).toBeUndefined();
    expect(integerBounds({ type: 'integer' })).toBeUndefined();
    expect(integerBounds({ type: ['integer', 'null'], minimum: 0 })).toBeUndefined();
  });
});
