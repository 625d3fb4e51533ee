import { TextSplitter, TextSplitterParams } from '@langchain/textsplitters';

/** A chunk of a manual: its text (heading path first) and the headings it sits under. */
export interface ManualChunk {
  text: string;
  headings: string[];
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
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
    const heading = fenced ? null : HEADING.exec(line);
    if (!heading) {
      body.push(line);
      continue;
    }
    close();
    const level = heading[1].length;
    while (path.length > 0 && path[path.length - 1].level >= level) path.pop();
    path.push({ level, title: heading[2] });
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
    const lastWord = /([\w.]+)[.!?]["')\]]?$/.exec(paragraph.slice(start, end))?.[1]?.toLowerCase() ?? '';
    if (ABBREVIATIONS.has(lastWord) || /^[a-z]$/i.test(lastWord)) continue;
    sentences.push(paragraph.slice(start, end).trim());
    start = (match.index ?? 0) + match[0].length;
  }
  const rest = paragraph.slice(start).trim();
  if (rest) sentences.push(rest);
  return sentences;
}
