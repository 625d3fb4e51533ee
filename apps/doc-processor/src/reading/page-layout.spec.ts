import { linesToMarkdown, PositionedWord, wordsToLines } from './page-layout';

/** Words at a 10-unit line height; `x` is where each word starts, 6 units per character. */
function line(y: number, ...words: [number, string][]): PositionedWord[] {
  return words.map(([x, text]) => ({ text, x0: x, x1: x + text.length * 6, y0: y, y1: y + 10 }));
}

describe('page layout', () => {
  it('groups words into lines top-down and left to right, whatever their order', () => {
    const words = [...line(40, [0, 'second'], [42, 'line']), ...line(20, [40, 'line'], [0, 'first'])].reverse();

    const lines = wordsToLines(words);

    expect(lines.map((l) => l.words.map((w) => w.text).join(' '))).toEqual(['first line', 'second line']);
  });

  it('keeps a slightly tilted line together', () => {
    const words = [...line(20, [0, 'slightly']), ...line(23, [60, 'tilted']), ...line(26, [110, 'line'])];

    expect(wordsToLines(words)).toHaveLength(1);
  });

  it('writes prose as lines, and a wide vertical gap as a new paragraph', () => {
    const lines = wordsToLines([
      ...line(0, [0, 'Dear'], [30, 'client,']),
      ...line(14, [0, 'your'], [30, 'statement.']),
      ...line(60, [0, 'Regards']),
    ]);

    expect(linesToMarkdown(lines)).toBe('Dear client,\nyour statement.\n\nRegards');
  });

  it('turns two or more consecutive lines with three or more columns into a table', () => {
    const lines = wordsToLines([
      ...line(0, [0, 'Statement'], [60, 'for'], [80, 'March']),
      ...line(20, [0, 'Date'], [100, 'Description'], [300, 'Amount']),
      ...line(34, [0, '01/03'], [100, 'Tesco'], [136, 'Stores'], [300, '£45.20']),
      ...line(48, [0, '02/03'], [100, 'Rent'], [306, '£1,234.56']),
      ...line(80, [0, 'Closing'], [50, 'balance'], [100, 'is'], [120, 'correct']),
    ]);

    expect(linesToMarkdown(lines)).toBe(
      [
        'Statement for March',
        '',
        '| Date | Description | Amount |',
        '| --- | --- | --- |',
        '| 01/03 | Tesco Stores | £45.20 |',
        '| 02/03 | Rent | £1,234.56 |',
        '',
        'Closing balance is correct',
      ].join('\n'),
    );
  });

  it('puts a row with a missing cell under the columns it overlaps and escapes pipes', () => {
    const lines = wordsToLines([
      ...line(0, [0, 'Date'], [100, 'Description'], [300, 'Amount']),
      ...line(14, [0, '01/03'], [300, '£5.00']),
      ...line(28, [0, '02/03'], [100, 'A|B'], [300, '£6.00']),
    ]);

    expect(linesToMarkdown(lines).split('\n').slice(2)).toEqual(['| 01/03 |  | £5.00 |', '| 02/03 | A\\|B | £6.00 |']);
  });

  it('does not make a table of a single line with columns', () => {
    const lines = wordsToLines(line(0, [0, 'Name'], [100, 'Account'], [200, 'Sort code']));

    expect(linesToMarkdown(lines)).toBe('Name Account Sort code');
  });
});
