import { judgeTextLayer, PAGE_QUALITY_THRESHOLDS } from './page-quality';

const readable =
  'Northway Bank statement for March 2027. Opening balance £1,234.56, closing balance £987.65.\n' +
  'Sort code 12-34-56 Account number 12345678. Thank you for banking with us.';

describe(judgeTextLayer.name, () => {
  it('keeps a readable text layer', () => {
    const sut = judgeTextLayer({ text: readable, textItemCount: 40, imageCoverage: 0.1 });
    expect(sut.useTextLayer).toBe(true);
    expect(sut.metrics.chars).toBe(readable.length);
  });

  it.each([
    ['no text objects', { text: '', textItemCount: 0, imageCoverage: 1 }, /no text layer/],
    ['too few characters', { text: 'Page 1 of 2', textItemCount: 2, imageCoverage: 0 }, /fewer than 25/],
    ['mostly spaces', { text: `abc${' '.repeat(10)}`.repeat(10), textItemCount: 10, imageCoverage: 0 }, /spaces/],
    ['mostly line breaks', { text: 'a\n\n'.repeat(40), textItemCount: 40, imageCoverage: 0 }, /line breaks/],
    [
      'few letters and digits',
      { text: '.,;:!?()[]{}'.repeat(5), textItemCount: 5, imageCoverage: 0 },
      /letters and digits/,
    ],
    [
      'garbage characters',
      { text: `${readable}\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD`, textItemCount: 40, imageCoverage: 0 },
      /unreadable/,
    ],
    [
      'a scan with a stray text layer',
      { text: 'Scanned by OfficeScan 3000 Pro edition', textItemCount: 1, imageCoverage: 0.9 },
      /scan/,
    ],
  ])('sends a page to OCR for %s', (_, stats, reason) => {
    const sut = judgeTextLayer(stats);
    expect(sut.useTextLayer).toBe(false);
    expect(sut.reason).toMatch(reason);
  });

  it('tolerates a few garbage characters in a long text', () => {
    expect(judgeTextLayer({ text: `${readable}\uFFFD\uFFFD`, textItemCount: 40, imageCoverage: 0 }).useTextLayer).toBe(
      true,
    );
  });

  it('keeps a full text layer over a large image', () => {
    const text = readable.repeat(3);
    expect(judgeTextLayer({ text, textItemCount: 100, imageCoverage: 0.9 }).useTextLayer).toBe(true);
  });

  it('freezes its thresholds', () => {
    expect(Object.isFrozen(PAGE_QUALITY_THRESHOLDS)).toBe(true);
  });
});
