import { isSpeck } from './ocr-engine';

describe('isSpeck', () => {
  it.each([
    ['.', 96],
    [':', 0],
    ['’', 42],
    ['~~', 45],
    ['-', 59],
    // A lone glyph read with little confidence: a speck in a margin, which would add a table column.
    ['A', 30],
    ['i', 42],
    ['CL', 38],
  ])('drops %s read at %d%% as scanner noise', (text, confidence) => {
    expect(isSpeck(text, confidence)).toBe(true);
  });

  it.each([
    ['-', 90],
    ['£', 85],
    ['A', 85],
    ['5', 90],
    ['to', 91],
    ['12', 77],
    ['£1,234.56', 30],
    ['12-34-56', 54],
  ])('keeps %s read at %d%%', (text, confidence) => {
    expect(isSpeck(text, confidence)).toBe(false);
  });
});
