// One layout for both ways a page is read (PDF text layer and OCR), so a bank statement's rows come
// out as the same markdown table whichever way the page was read.

/** A word (or a PDF text run) with its box in page pixels/points, origin top-left, y downwards. */
export interface PositionedWord {
  text: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Words on one visual line, left to right. */
export interface LayoutLine {
  words: PositionedWord[];
}

/** A gap wider than this many line heights starts a new column (ordinary word gaps are ~0.3). */
const COLUMN_GAP_HEIGHTS = 1.2;
/** A vertical gap wider than this many line heights starts a new paragraph. */
const PARAGRAPH_GAP_HEIGHTS = 1.0;
/** Columns needed, on at least TABLE_MIN_ROWS consecutive lines, to call lines a table. */
const TABLE_MIN_COLUMNS = 3;
const TABLE_MIN_ROWS = 2;

interface Cell {
  text: string;
  x0: number;
  x1: number;
}

/** Groups words into lines by vertical overlap of their centres, then sorts each line by x. */
export function wordsToLines(words: readonly PositionedWord[]): LayoutLine[] {
  const sorted = words
    .filter((w) => w.text.trim() !== '' && w.y1 > w.y0)
    .sort((a, b) => centre(a) - centre(b) || a.x0 - b.x0);
  const lines: { words: PositionedWord[]; centre: number; height: number }[] = [];
  for (const word of sorted) {
    const line = lines.at(-1);
    const height = word.y1 - word.y0;
    if (line && Math.abs(centre(word) - line.centre) < 0.5 * Math.max(height, line.height)) {
      line.words.push(word);
      // A running mean keeps a long line from drifting into the next one on a skewed scan.
      line.centre += (centre(word) - line.centre) / line.words.length;
      line.height = Math.max(line.height, height);
    } else {
      lines.push({ words: [word], centre: centre(word), height });
    }
  }
  return lines.map((line) => ({ words: line.words.sort((a, b) => a.x0 - b.x0) }));
}

/** Lines as markdown: runs of 2+ lines with 3+ columns become a table, the rest paragraphs. */
export function linesToMarkdown(lines: readonly LayoutLine[]): string {
  const blocks: string[] = [];
  let paragraph: string[] = [];
  const flush = (): void => {
    if (paragraph.length) blocks.push(paragraph.join('\n'));
    paragraph = [];
  };

  const rows = lines.filter((l) => l.words.length > 0).map((l) => ({ line: l, cells: cellsOf(l) }));
  const cellRows = rows.map((r) => r.cells);
  for (let i = 0; i < rows.length;) {
    const run = tableRunLength(cellRows, i);
    if (run > 0) {
      flush();
      blocks.push(tableMarkdown(rows.slice(i, i + run).map((r) => r.cells)));
      i += run;
      continue;
    }
    const { line } = rows[i];
    const previous = rows[i - 1]?.line;
    if (previous && verticalGap(previous, line) > PARAGRAPH_GAP_HEIGHTS * lineHeight(line)) flush();
    paragraph.push(line.words.map((w) => w.text.trim()).join(' '));
    i += 1;
  }
  flush();
  return blocks.join('\n\n');
}

/**
 * A table starts at a line with 3+ columns and goes on while lines have 3+ columns, or 2+ cells that
 * each sit under one of the first line's columns (a statement row with Money In left blank). It needs
 * TABLE_MIN_ROWS lines with 3+ columns.
 */
function tableRunLength(cellRows: Cell[][], start: number): number {
  const head = cellRows[start];
  if (head.length < TABLE_MIN_COLUMNS) return 0;
  let end = start + 1;
  let wide = 1;
  while (end < cellRows.length) {
    const row = cellRows[end];
    if (row.length >= TABLE_MIN_COLUMNS) wide += 1;
    else if (row.length < 2 || !row.every((cell) => head.some((column) => overlaps(column, cell)))) break;
    end += 1;
  }
  return wide >= TABLE_MIN_ROWS ? end - start : 0;
}

function overlaps(a: Cell, b: Cell): boolean {
  return Math.min(a.x1, b.x1) > Math.max(a.x0, b.x0);
}

function cellsOf(line: LayoutLine): Cell[] {
  const gap = COLUMN_GAP_HEIGHTS * medianHeight(line);
  const cells: Cell[] = [];
  for (const word of line.words) {
    const cell = cells.at(-1);
    if (cell && word.x0 - cell.x1 <= gap) {
      cell.text += ` ${word.text.trim()}`;
      cell.x1 = Math.max(cell.x1, word.x1);
    } else {
      cells.push({ text: word.text.trim(), x0: word.x0, x1: word.x1 });
    }
  }
  return cells;
}

/** Columns come from the row with most cells; other rows' cells go to the column they overlap most. */
function tableMarkdown(rows: Cell[][]): string {
  const anchor = rows.reduce((best, row) => (row.length > best.length ? row : best));
  const grid = rows.map((row) => {
    const out: string[] = anchor.map(() => '');
    for (const cell of row) {
      const column = nearestColumn(anchor, cell);
      out[column] = out[column] ? `${out[column]} ${cell.text}` : cell.text;
    }
    return out;
  });
  const format = (cells: string[]): string => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [format(grid[0]), format(anchor.map(() => '---')), ...grid.slice(1).map(format)].join('\n');
}

function nearestColumn(anchor: Cell[], cell: Cell): number {
  let best = 0;
  let bestScore = -Infinity;
  anchor.forEach((column, index) => {
    const overlap = Math.min(column.x1, cell.x1) - Math.max(column.x0, cell.x0);
    // Without overlap, the smaller the distance between centres the better (a negative score).
    const score = overlap > 0 ? overlap : -Math.abs((column.x0 + column.x1) / 2 - (cell.x0 + cell.x1) / 2) - 1e6;
    if (score > bestScore) {
      bestScore = score;
      best = index;
    }
  });
  return best;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function centre(word: PositionedWord): number {
  return (word.y0 + word.y1) / 2;
}

function medianHeight(line: LayoutLine): number {
  const heights = line.words.map((w) => w.y1 - w.y0).sort((a, b) => a - b);
  return heights[Math.floor(heights.length / 2)] ?? 0;
}

function lineHeight(line: LayoutLine): number {
  return Math.max(...line.words.map((w) => w.y1 - w.y0));
}

function verticalGap(above: LayoutLine, below: LayoutLine): number {
  return Math.min(...below.words.map((w) => w.y0)) - Math.max(...above.words.map((w) => w.y1));
}
