// Finds the value printed next to a label ("Amount due  £12.00", "Pay by 3 May 2027") in OCR or
// PDF text, where a label and its value may share a line, a table row, or wrap onto the next line.
import { findAmounts, findDates, roundPounds } from './uk-parsers';

// How far after a label its value may sit: past column padding and one line wrap, not further.
const VALUE_WINDOW_CHARS = 60;

function matchesOf(markdown: string, label: RegExp): RegExpExecArray[] {
  const flags = label.flags.includes('g') ? label.flags : `${label.flags}g`;
  // A space in a label also matches a line wrap or column padding.
  return [...markdown.matchAll(new RegExp(label.source.replace(/ /g, '\\s+'), flags))];
}

function windowAfter(markdown: string, match: RegExpExecArray): string {
  const start = match.index + match[0].length;
  return markdown.slice(start, start + VALUE_WINDOW_CHARS);
}

/** The first amount (pounds) shortly after the first of the labels that has one; earlier labels win. */
export function amountAfter(markdown: string, labels: readonly RegExp[]): number | null {
  for (const label of labels) {
    for (const match of matchesOf(markdown, label)) {
      const window = windowAfter(markdown, match);
      // A value belongs to its label only until the next sentence starts.
      const cut = window.search(/[.!?]\s+[A-Z]/);
      const [first] = findAmounts(cut >= 0 ? window.slice(0, cut + 1) : window, { bareNumbers: true });
      if (first) return roundPounds(first.pounds);
    }
  }
  return null;
}

/** The first ISO date shortly after the first of the labels that has one. */
export function dateAfter(markdown: string, labels: readonly RegExp[]): string | null {
  for (const label of labels) {
    for (const match of matchesOf(markdown, label)) {
      const [first] = findDates(windowAfter(markdown, match));
      if (first) return first.iso;
    }
  }
  return null;
}

/** The text after "Label:" up to the end of its line, cell or column gap. */
export function textAfter(markdown: string, labels: readonly RegExp[]): string | null {
  for (const label of labels) {
    for (const match of matchesOf(markdown, label)) {
      const rest = markdown.slice(match.index + match[0].length).split('\n')[0];
      const value = rest
        .replace(/^[\s:.#|-]+/, '')
        .split(/\s{2,}|\|/)[0]
        .trim()
        .replace(/[,;]$/, '');
      if (value) return value.slice(0, 200);
    }
  }
  return null;
}

/** The first line that is not empty, a page marker or table rule: usually the letterhead. */
export function letterhead(markdown: string): string | null {
  const line = markdown
    .split('\n')
    .map((text) => text.replace(/^#+\s*|\|/g, '').trim())
    .find((text) => text && !text.startsWith('<!--') && !/^[-:\s]+$/.test(text));
  return line ? line.slice(0, 200) : null;
}

/** Two dates on one line next to "period" or "from ... to": a statement or billing period. */
export function periodOf(markdown: string): { from: string | null; to: string | null } {
  const joined = markdown.replace(/\s*\n\s*/g, ' ');
  const label = /\b(?:period|statement for|date range|from)\b/gi;
  for (const match of joined.matchAll(label)) {
    const dates = findDates(joined.slice(match.index, match.index + 90));
    if (dates.length >= 2 && dates[0].iso <= dates[1].iso) return { from: dates[0].iso, to: dates[1].iso };
  }
  return { from: null, to: null };
}

/** A line's label and value ("Pension   £90.36" -> { label: "Pension", amount: 90.36 }), or null. */
export function labelledAmountLine(line: string): { label: string; amount: number } | null {
  const cleaned = line.replace(/\|/g, '  ');
  // The last amount is the line's value: earlier ones are rates or quantities ("40 hrs @ £12.21").
  const last = findAmounts(cleaned, { bareNumbers: true }).at(-1);
  if (!last) return null;
  const label = cleaned
    .slice(0, last.index)
    .replace(/[\s:]+$/, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
  if (!label) return null;
  return { label: label.slice(0, 200), amount: roundPounds(last.pounds) };
}

/** The lines under a heading line, up to the next blank line. */
export function sectionLines(markdown: string, heading: RegExp): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => heading.test(line.replace(/^#+\s*/, '').trim()));
  if (start < 0) return [];
  const section: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.trim()) break;
    section.push(line);
  }
  return section;
}

/** The document's sentences, with line wraps undone. */
export function sentencesOf(markdown: string): string[] {
  return markdown
    .replace(/<!--.*?-->/g, ' ')
    .split(/\n\s*\n/)
    .flatMap((paragraph) =>
      paragraph
        .replace(/\s+/g, ' ')
        .trim()
        .split(/(?<=[.!?])\s+(?=[A-Z])/),
    )
    .filter((sentence) => sentence.length > 0);
}
