import { assemblePages } from './assembly';

function page(pageNumber: number, total: number, body: string[]): { pageNumber: number; markdown: string } {
  return {
    pageNumber,
    markdown: ['Northway Bank', 'Statement of account', ...body, '', `Page ${pageNumber} of ${total}`].join('\n'),
  };
}

describe(assemblePages.name, () => {
  it('puts a marker before each page, in page order', () => {
    const sut = assemblePages([
      { pageNumber: 2, markdown: 'second' },
      { pageNumber: 1, markdown: 'first' },
    ]);
    expect(sut.markdown).toBe('<!-- page 1 -->\nfirst\n\n<!-- page 2 -->\nsecond');
  });

  it('removes repeated headers and footers, keeping one copy of a fixed header', () => {
    const sut = assemblePages([page(1, 3, ['alpha']), page(2, 3, ['beta']), page(3, 3, ['gamma'])]);
    expect(sut.markdown.match(/Northway Bank/g)).toHaveLength(1);
    expect(sut.markdown).not.toMatch(/Page \d of 3/);
    expect(sut.markdown).toMatch(/alpha[\s\S]*<!-- page 2 -->\nbeta[\s\S]*<!-- page 3 -->\ngamma/);
    expect(sut.removedLines).toBe(2 + 2 + 3);
  });

  it('keeps lines repeated on fewer than half the pages, and anything in a single page', () => {
    expect(assemblePages([page(1, 1, ['alpha'])]).removedLines).toBe(0);
    const sut = assemblePages([
      { pageNumber: 1, markdown: 'Notice\nalpha' },
      { pageNumber: 2, markdown: 'beta' },
      { pageNumber: 3, markdown: 'gamma' },
      { pageNumber: 4, markdown: 'Notice\ndelta' },
      { pageNumber: 5, markdown: 'epsilon' },
    ]);
    expect(sut.removedLines).toBe(0);
  });

  it('merges a table split across pages, dropping the repeated header', () => {
    const sut = assemblePages([
      { pageNumber: 1, markdown: 'Intro\n\n| Date | Amount |\n| --- | --- |\n| 01/03 | 1.00 |' },
      { pageNumber: 2, markdown: '| Date | Amount |\n| --- | --- |\n| 02/03 | 2.00 |\n\nAfter' },
    ]);
    expect(sut.mergedTables).toBe(1);
    expect(sut.markdown).toBe(
      '<!-- page 1 -->\nIntro\n\n| Date | Amount |\n| --- | --- |\n| 01/03 | 1.00 |\n| 02/03 | 2.00 |\n\n<!-- page 2 -->\nAfter',
    );
  });

  it('merges a continuation without a header row', () => {
    const sut = assemblePages([
      { pageNumber: 1, markdown: '| Date | Amount |\n| --- | --- |\n| 01/03 | 1.00 |' },
      { pageNumber: 2, markdown: '| 02/03 | 2.00 |' },
    ]);
    expect(sut.mergedTables).toBe(1);
    expect(sut.markdown).toBe(
      '<!-- page 1 -->\n| Date | Amount |\n| --- | --- |\n| 01/03 | 1.00 |\n| 02/03 | 2.00 |\n\n<!-- page 2 -->',
    );
  });

  it('does not merge tables whose columns or headers differ', () => {
    const columns = assemblePages([
      { pageNumber: 1, markdown: '| Date | Amount |\n| --- | --- |\n| 01/03 | 1.00 |' },
      { pageNumber: 2, markdown: '| Date | Amount | Balance |\n| --- | --- | --- |\n| 02/03 | 2.00 | 3.00 |' },
    ]);
    expect(columns.mergedTables).toBe(0);
    expect(columns.markdown).toContain('<!-- page 2 -->\n| Date | Amount | Balance |');
    const headers = assemblePages([
      { pageNumber: 1, markdown: '| Date | Amount |\n| --- | --- |\n| 01/03 | 1.00 |' },
      { pageNumber: 2, markdown: '| Item | Price |\n| --- | --- |\n| Milk | 1.00 |' },
    ]);
    expect(headers.mergedTables).toBe(0);
  });
});
