import { SAMPLE_DOCUMENT_TYPES, mulberry32, sampleDocument, sampleText } from '@rma/testing/documents';
import { DOCUMENT_TYPES } from './document-types';
import { findAmounts, findDates, toPence } from './uk-parsers';

// WinAnsi (cp1252) printable characters: ASCII plus the Latin-1 supplement, which holds £.
const WIN_ANSI = /^[\x20-\x7E\u00A0-\u00FF]*$/;

describe(sampleDocument.name, () => {
  it('makes exactly the types the classifier knows', () => {
    expect(SAMPLE_DOCUMENT_TYPES).toEqual(DOCUMENT_TYPES);
  });

  it('gives the same document for the same seed and a different one for another seed', () => {
    expect(sampleDocument({ type: 'bank_statement', seed: 7 })).toEqual(
      sampleDocument({ type: 'bank_statement', seed: 7 }),
    );
    expect(sampleText(sampleDocument({ type: 'bank_statement', seed: 7 }))).not.toBe(
      sampleText(sampleDocument({ type: 'bank_statement', seed: 8 })),
    );
  });

  it('keeps lines short and in WinAnsi, with 1 to 3 pages, for every type', () => {
    for (const type of DOCUMENT_TYPES) {
      for (let seed = 1; seed <= 20; seed++) {
        const sample = sampleDocument({ type, seed });
        expect(sample.type).toBe(type);
        expect(sample.pages.length).toBeGreaterThanOrEqual(1);
        expect(sample.pages.length).toBeLessThanOrEqual(3);
        for (const line of sample.pages.flat()) {
          expect({ type, seed, line, short: line.length <= 90, winAnsi: WIN_ANSI.test(line) }).toMatchObject({
            short: true,
            winAnsi: true,
          });
        }
      }
    }
  });

  it('prints every expected amount and date', () => {
    for (const type of DOCUMENT_TYPES) {
      for (let seed = 1; seed <= 10; seed++) {
        const sample = sampleDocument({ type, seed });
        const text = sampleText(sample);
        const pence = new Set(findAmounts(text, { bareNumbers: true }).map((amount) => Math.abs(amount.pence)));
        const dates = new Set(findDates(text).map((date) => date.iso));
        for (const amount of sample.expected.amounts)
          expect({ type, seed, amount, printed: pence.has(toPence(Number(amount))) }).toMatchObject({ printed: true });
        for (const date of sample.expected.dates)
          expect({ type, seed, date, printed: dates.has(date) }).toMatchObject({ printed: true });
      }
    }
  });

  it('varies issuers between seeds', () => {
    const firstLines = new Set(
      Array.from({ length: 20 }, (_, seed) => sampleDocument({ type: 'debt_collection_letter', seed }).pages[0][0]),
    );
    expect(firstLines.size).toBeGreaterThanOrEqual(5);
  });

  it('spreads long statements over pages with a repeated page footer', () => {
    const multiPage = Array.from({ length: 20 }, (_, seed) => sampleDocument({ type: 'bank_statement', seed })).find(
      (sample) => sample.pages.length > 1,
    );
    expect(multiPage).toBeDefined();
    multiPage?.pages.forEach((lines, i) => expect(lines).toContain(`Page ${i + 1} of ${multiPage.pages.length}`));
  });
});

describe(mulberry32.name, () => {
  it('is deterministic and stays within 0..1', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const values = Array.from({ length: 100 }, () => a());
    expect(values).toEqual(Array.from({ length: 100 }, () => b()));
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
  });
});
