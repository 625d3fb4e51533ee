import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ManualTextSplitter, firstHeading, headingOf, sentencesOf } from './manual-text-splitter';

const MANUALS = join(__dirname, '..', 'assets', 'manuals');
const AMOUNT = /£\d[\d,]*(?:\.\d+)?/;

describe(ManualTextSplitter.name, () => {
  const sut = new ManualTextSplitter({ chunkSize: 300, chunkOverlap: 60 });

  it('keeps every chunk within the size, apart from a single sentence that is longer', async () => {
    const long = `# Fees\n\n${'The fee is £680 and it is paid to the Insolvency Service, '.repeat(8)}in full.\n\nShort one.`;

    const chunks = await sut.splitManual(long);

    for (const chunk of chunks) {
      const body = chunk.text.slice(chunk.text.indexOf('\n') + 1);
      expect(body.length <= 300 || sentencesOf(body).length === 1).toBe(true);
    }
    expect(chunks.some((chunk) => chunk.text.length > 300)).toBe(true);
    expect(chunks[chunks.length - 1].text).toBe('Fees\nShort one.');
  });

  it('puts the heading path first in every chunk of a section', async () => {
    const text = '# Bankruptcy\n\nIntro.\n\n## The home\n\n' + 'The trustee has three years. '.repeat(30);

    const chunks = await sut.splitManual(text);

    expect(chunks[0]).toEqual({ text: 'Bankruptcy\nIntro.', headings: ['Bankruptcy'] });
    const home = chunks.slice(1);
    expect(home.length).toBeGreaterThan(1);
    for (const chunk of home) {
      expect(chunk.headings).toEqual(['Bankruptcy', 'The home']);
      expect(chunk.text.startsWith('Bankruptcy > The home\nThe trustee has three years.')).toBe(true);
    }
  });

  it('never splits an amount, or the sentence around it, across chunks: on every sample manual', async () => {
    let checked = 0;
    for (const file of readdirSync(MANUALS)) {
      const text = readFileSync(join(MANUALS, file), 'utf8');
      const chunks = await sut.splitManual(text);
      const sentencesWithAmounts = text
        .split(/\n\s*\n/)
        .flatMap((paragraph) => sentencesOf(paragraph.replace(/^[-*]\s+/gm, '').replace(/\n/g, ' ')))
        .filter((sentence) => AMOUNT.test(sentence) && !sentence.startsWith('#'));

      for (const sentence of sentencesWithAmounts) {
        expect(chunks.some((chunk) => chunk.text.replace(/\n/g, ' ').includes(sentence))).toBe(true);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('overlaps neighbouring chunks by whole sentences', async () => {
    const text = Array.from({ length: 12 }, (_, i) => `Sentence number ${i} says something useful here.`).join(' ');

    const chunks = await sut.splitText(text);

    expect(chunks.length).toBeGreaterThan(1);
    const lastOfFirst = sentencesOf(chunks[0]).pop() as string;
    expect(sentencesOf(chunks[1])[0]).toBe(lastOfFirst);
  });

  it('does not end a sentence at an abbreviation or inside an amount', () => {
    expect(sentencesOf('Pay £1,234.56 e.g. by card. Then call Mr. Jones. Done!')).toEqual([
      'Pay £1,234.56 e.g. by card.',
      'Then call Mr. Jones.',
      'Done!',
    ]);
  });
});

describe(headingOf.name, () => {
  it('reads ATX headings, closing hashes dropped, and nothing else', () => {
    expect(headingOf('## Who can get a DRO ##')).toEqual({ level: 2, title: 'Who can get a DRO' });
    expect(headingOf('#hashtag')).toBeUndefined();
    expect(headingOf('####### seven')).toBeUndefined();
    expect(firstHeading('Intro text\n\n# Bankruptcy\n\n## Fees')).toBe('Bankruptcy');
  });

  it('reads a heading followed by a hostile run of 100,000 spaces', () => {
    // A backtracking pattern would not finish here within Jest's timeout; the parser reads it once.
    expect(headingOf(`# a${' '.repeat(100_000)}b`)).toEqual({ level: 1, title: `a${' '.repeat(100_000)}b` });
  });
});
