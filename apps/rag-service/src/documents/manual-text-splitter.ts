import { TextSplitter, TextSplitterParams } from '@langchain/textsplitters';

/** A chunk of a manual: its text (heading path first) and the headings it sits under. */
export interface ManualChunk {
  text: string;
  headings: string[];
}

/** Words that end in a full stop without ending a sentence. */
const ABBREVIATIONS = new Set([
  'e.g',
  'i.e',
  'etc',
  'mr',
  'mrs',
  'ms',
  'dr',
  'st',
  'no',
  'approx',
  'vs',
  'inc',
  'ltd',
  'co',
]);
/** A sentence ends at . ! or ? (and a closing quote or bracket) followed by space and a capital, digit or £. */
const SENTENCE_END = /[.!?]["')\]]?\s+(?=["'(£0-9A-Z])/g;

/**
 * Splits manuals (markdown or plain text) for retrieval, on LangChain's TextSplitter (its size, overlap
 * and merging): sections by heading, every chunk prefixed with the headings it sits under; inside a
 * section whole sentences and list items only, so an amount and the sentence around it are never split
 * apart. A single sentence longer than the chunk size becomes a chunk of its own rather than be cut.
 */
export class ManualTextSplitter extends TextSplitter {
  static override lc_name() {
    return 'ManualTextSplitter';
  }

  constructor(fields: Partial<TextSplitterParams> & { chunkSize: number; chunkOverlap: number }) {
    super({ ...fields, keepSeparator: false });
  }

  override async splitText(text: string): Promise<string[]> {
    return (await this.splitManual(text)).map((chunk) => chunk.text);
  }

  /** Chunks of a manual; plain text (`markdown: false`) has no headings, so a line starting with # is text. */
  async splitManual(text: string, options: { markdown?: boolean } = {}): Promise<ManualChunk[]> {
    const chunks: ManualChunk[] = [];
    const sections = options.markdown === false ? [{ headings: [], body: text.trim() }] : sectionsOf(text);
    for (const section of sections) {
      const prefix = section.headings.length > 0 ? `${section.headings.join(' > ')}\n` : '';
      for (const body of await this.packUnits(unitsOf(section.body))) {
        chunks.push({ text: prefix + body, headings: section.headings });
      }
    }
    return chunks;
  }

  /** Whole units merged up to the chunk size with LangChain's overlap; an oversized unit stands alone. */
  private async packUnits(units: string[]): Promise<string[]> {
    const packed: string[] = [];
    let run: string[] = [];
    const flush = async () => {
      if (run.length > 0) packed.push(...(await this.mergeSplits(run, ' ')));
      run = [];
    };
    for (const unit of units) {
      if (unit.length > this.chunkSize) {
        await flush();
        packed.push(unit);
      } else run.push(unit);
    }
    await flush();
    return packed;
  }
}

/**
 * A markdown ATX heading's level and title, or undefined. String operations rather than one regex with
 * overlapping quantifiers: a hostile line of spaces must not take the event loop for seconds.
 */
export function headingOf(line: string): { level: number; title: string } | undefined {
  const match = /^(#{1,6})[ \t]+(\S.*)$/.exec(line);
  if (!match) return undefined;
  let title = match[2].trimEnd();
  while (title.endsWith('#')) title = title.slice(0, -1);
  title = title.trimEnd();
  return title ? { level: match[1].length, title } : undefined;
}

/** The first heading of a markdown text, as a title. */
export function firstHeading(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const heading = headingOf(line);
    if (heading) return heading.title;
  }
  return undefined;
}

/** Markdown sections with the path of headings above each; text before any heading has none. */
function sectionsOf(text: string): Array<{ headings: string[]; body: string }> {
  const sections: Array<{ headings: string[]; body: string }> = [];
  const path: Array<{ level: number; title: string }> = [];
  let body: string[] = [];
  const close = () => {
    const joined = body.join('\n').trim();
    if (joined) sections.push({ headings: path.map((heading) => heading.title), body: joined });
    body = [];
  };
  let fenced = false;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? undefined : headingOf(line);
    if (!heading) {
      body.push(line);
      continue;
    }
    close();
    while (path.length > 0 && path[path.length - 1].level >= heading.level) path.pop();
    path.push(heading);
  }
  close();
  return sections;
}

/** Sentences of paragraphs, and list items whole (an item is one unit however many sentences it has). */
function unitsOf(body: string): string[] {
  const units: string[] = [];
  for (const paragraph of body.split(/\n\s*\n/)) {
    const lines = paragraph.split('\n').filter((line) => line.trim());
    if (lines.length === 0) continue;
    if (lines.every((line) => /^\s*([-*+]|\d+[.)])\s+/.test(line) || /^\s{2,}\S/.test(line))) {
      // List items, with their continuation lines.
      for (const line of lines) {
        if (/^\s*([-*+]|\d+[.)])\s+/.test(line) || units.length === 0) units.push(line.trim());
        else units[units.length - 1] += ` ${line.trim()}`;
      }
    } else {
      units.push(...sentencesOf(lines.map((line) => line.trim()).join(' ')));
    }
  }
  return units;
}

export function sentencesOf(paragraph: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (const match of paragraph.matchAll(SENTENCE_END)) {
    const end = (match.index ?? 0) + match[0].trimEnd().length;
    // Only the sentence's tail: matching the whole of it for every boundary would be quadratic.
    const tail = paragraph.slice(Math.max(start, end - 16), end);
    const lastWord = /([\w.]+)[.!?]["')\]]?$/.exec(tail)?.[1]?.toLowerCase() ?? '';
    if (ABBREVIATIONS.has(lastWord) || /^[a-z]$/i.test(lastWord)) continue;
    sentences.push(paragraph.slice(start, end).trim());
    start = (match.index ?? 0) + match[0].length;
  }
  const rest = paragraph.slice(start).trim();
  if (rest) sentences.push(rest);
  return sentences;
}
