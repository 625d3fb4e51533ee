import { formatGbp, hasAtMostTwoDecimals, sumPence, toPence } from './money';

describe(sumPence.name, () => {
  it('adds pounds in pence, so 0.10 + 0.20 is exactly 30 pence', () => {
    expect(sumPence([0.1, 0.2])).toBe(30);
    expect(sumPence([49_999.99, 0.01])).toBe(toPence(50_000));
  });

  it('is 0 for no amounts', () => {
    expect(sumPence([])).toBe(0);
  });
});

describe(formatGbp.name, () => {
  it.each([
    [120_000, '1,200 GBP'],
    [750, '7.50 GBP'],
    [5_000_001, '50,000.01 GBP'],
    [0, '0 GBP'],
    [-2_500, '-25 GBP'],
  ])('formats %p pence as %p', (pence, text) => {
    expect(formatGbp(pence)).toBe(text);
  });
});

describe(hasAtMostTwoDecimals.name, () => {
  it.each([
    [10, true],
    [10.5, true],
    [0.1 + 0.2, true],
    [10.005, false],
    [1.234, false],
  ])('%p -> %p', (pounds, expected) => {
    expect(hasAtMostTwoDecimals(pounds)).toBe(expected);
  });
});
