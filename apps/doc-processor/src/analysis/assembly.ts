// Joins per-page markdown into one document: page markers keep citations to a page possible, repeated
// headers and footers are dropped so they do not drown retrieval and classification, and tables
// split by a page break are rejoined so a statement's rows read as one table.

export interface AssembledDocument {
  markdown: string;
  removedLines: number;
  mergedTables: number;
}

interface Page {
  pageNumber: number;
  lines: string[];
}

// Headers and footers are looked for only this many non-empty lines from each edge of a page.
const EDGE_LINES = 3;

function isTableRow(line: string): boolean {
  return line.trim().startsWith('|');
}

function isSeparatorRow(line: string): boolean {
  return /^\s*\|(?:\s*:?-{3,}:?\s*\|)+\s*$/.test(line);
}

function cellCount(row: string): number {
  return row.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').length;
}

function normaliseRow(row: string): string {
  return row.replace(/\s+/g, ' ').trim().toLowerCase();
}

// Digits become one symbol so "Page 2 of 5" and "Page 3 of 5" count as the same line.
function edgeKey(line: string): string {
  return line.replace(/\s+/g, ' ').trim().toLowerCase().replace(/\d+/g, '#');
}

/** The page's first non-empty lines, up to EDGE_LINES, stopping at a table: a header sits above the body. */
function topIndexes(lines: string[]): number[] {
  const indexes: number[] = [];
  for (let index = 0; index < lines.length && indexes.length < EDGE_LINES; index += 1) {
    if (isTableRow(lines[index])) break;
    if (lines[index].trim()) indexes.push(index);
  }
  return indexes;
}

function bottomIndexes(lines: string[]): number[] {
  const indexes: number[] = [];
  for (let index = lines.length - 1; index >= 0 && indexes.length < EDGE_LINES; index -= 1) {
    if (isTableRow(lines[index])) break;
    if (lines[index].trim()) indexes.push(index);
  }
  return indexes;
}

function edgeIndexes(lines: string[]): number[] {
  return [...new Set([...topIndexes(lines), ...bottomIndexes(lines)])];
}

function removeRepeatedEdges(pages: Page[]): number {
  const pagesPerKey = new Map<string, number>();
  for (const page of pages) {
    for (const key of new Set(edgeIndexes(page.lines).map((index) => edgeKey(page.lines[index])))) {
      pagesPerKey.set(key, (pagesPerKey.get(key) ?? 0) + 1);
    }
  }
  const needed = Math.max(2, Math.ceil(pages.length / 2));
  const repeated = new Set([...pagesPerKey].filter(([, count]) => count >= needed).map(([key]) => key));
  // A header printed identically on every page (a bank's name) is kept once, where it first appears:
  // it still tells a reader whose document this is. A line that varies ("Page 2 of 5") goes entirely,
  // and so does a repeated footer (legal small print), which would otherwise stand between a table and
  // its continuation on the next page.
  const rawsPerKey = new Map<string, Set<string>>();
  for (const page of pages) {
    for (const index of edgeIndexes(page.lines)) {
      const key = edgeKey(page.lines[index]);
      if (!repeated.has(key)) continue;
      rawsPerKey.set(key, (rawsPerKey.get(key) ?? new Set()).add(page.lines[index].trim()));
    }
  }
  const keptOnce = new Set<string>();
  let removed = 0;
  for (const page of pages) {
    const top = new Set(topIndexes(page.lines));
    const drop = new Set(
      edgeIndexes(page.lines).filter((index) => {
        const key = edgeKey(page.lines[index]);
        if (!repeated.has(key)) return false;
        if (top.has(index) && rawsPerKey.get(key)?.size === 1 && !keptOnce.has(key)) {
          keptOnce.add(key);
          return false;
        }
        return true;
      }),
    );
    removed += drop.size;
    page.lines = page.lines.filter((_, index) => !drop.has(index));
  }
  return removed;
}

function trimBlankEdges(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && !lines[start].trim()) start += 1;
  while (end > start && !lines[end - 1].trim()) end -= 1;
  return lines.slice(start, end);
}

function trailingTable(lines: string[]): string[] {
  let start = lines.length;
  while (start > 0 && isTableRow(lines[start - 1])) start -= 1;
  return lines.slice(start);
}

function leadingTableLength(lines: string[]): number {
  let end = 0;
  while (end < lines.length && isTableRow(lines[end])) end += 1;
  return end;
}

// Moves the table rows that open `next` onto the end of the table that closes `previous`, when the
// column counts match and `next` either repeats the same header or has no header of its own.
function mergeSplitTable(previous: Page, next: Page): boolean {
  const tail = trailingTable(previous.lines);
  const headLength = leadingTableLength(next.lines);
  if (tail.length === 0 || headLength === 0) return false;
  const head = next.lines.slice(0, headLength);
  if (cellCount(tail[0]) !== cellCount(head[0])) return false;
  let rows = head;
  if (head.length >= 2 && isSeparatorRow(head[1])) {
    if (normaliseRow(head[0]) !== normaliseRow(tail[0])) return false;
    rows = head.slice(2);
  }
  previous.lines.push(...rows);
  next.lines = next.lines.slice(headLength);
  return true;
}

/** One markdown document from pages in order, with `<!-- page N -->` before each page's content. */
export function assemblePages(pages: { pageNumber: number; markdown: string }[]): AssembledDocument {
  const ordered: Page[] = [...pages]
    .sort((a, b) => a.pageNumber - b.pageNumber)
    .map((page) => ({ pageNumber: page.pageNumber, lines: page.markdown.split(/\r?\n/) }));
  const removedLines = removeRepeatedEdges(ordered);
  let mergedTables = 0;
  for (const page of ordered) page.lines = trimBlankEdges(page.lines);
  for (let i = 1; i < ordered.length; i++) {
    // The table continues on the last page that still has content, so empty pages between are skipped.
    const previous = ordered
      .slice(0, i)
      .reverse()
      .find((page) => page.lines.length > 0);
    if (previous && mergeSplitTable(previous, ordered[i])) {
      mergedTables += 1;
      ordered[i].lines = trimBlankEdges(ordered[i].lines);
    }
  }
  // A merged table stays whole under the marker of the page it starts on; the next page's marker moves
  // after the table, because a marker inside a table would break it into two.
  const markdown = ordered.map((page) => [`<!-- page ${page.pageNumber} -->`, ...page.lines].join('\n')).join('\n\n');
  return { markdown, removedLines, mergedTables };
}
