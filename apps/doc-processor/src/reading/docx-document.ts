import mammoth from 'mammoth';
import TurndownService from 'turndown';
import yauzl from 'yauzl';
import { ReaderLimits } from './reader.protocol';
import { ReadError } from './reading.errors';

// Child-only: DOCX through mammoth (HTML) and turndown (markdown). mammoth's zip reader has no caps, so
// the archive is inflated once here first, counting real bytes, and refused when too big.

/** Zip entries a DOCX may have; real documents have tens. */
const MAX_DOCX_ENTRIES = 2_000;
/** Per-entry ratio checks start here: small XML parts compress very well and are harmless. */
const RATIO_CHECK_MIN_BYTES = 1024 * 1024;

/** Inflates every entry, counting real bytes, and throws archive_too_large past the caps. */
export async function checkDocxArchive(bytes: Buffer, limits: ReaderLimits): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true, validateEntrySizes: true }, (error, file) =>
      error ? reject(zipError(error)) : resolve(file),
    ),
  );
  const tooLarge = (why: string): ReadError =>
    new ReadError('archive_too_large', `The DOCX ${why}; it looks like a zip bomb and was not opened.`);
  let entries = 0;
  let inflated = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (error: Error) => reject(zipError(error)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        entries += 1;
        if (entries > MAX_DOCX_ENTRIES) return reject(tooLarge(`has more than ${MAX_DOCX_ENTRIES} parts`));
        const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
        if (entry.uncompressedSize > RATIO_CHECK_MIN_BYTES && ratio > limits.maxCompressionRatio) {
          return reject(tooLarge(`has a part compressed ${Math.round(ratio)}:1`));
        }
        if (inflated + entry.uncompressedSize > limits.maxDocxUncompressedBytes) {
          return reject(tooLarge(`unpacks to more than ${limits.maxDocxUncompressedBytes} bytes`));
        }
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(entry, (error, stream) => {
          if (error) return reject(zipError(error));
          stream.on('data', (chunk: Buffer) => {
            inflated += chunk.length;
            if (inflated > limits.maxDocxUncompressedBytes) {
              stream.destroy();
              reject(tooLarge(`unpacks to more than ${limits.maxDocxUncompressedBytes} bytes`));
            }
          });
          stream.on('error', (streamError: Error) => reject(zipError(streamError)));
          stream.on('end', () => zip.readEntry());
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

function zipError(error: Error): ReadError {
  // The library's message can quote the file's contents: its name only (as for PDFs).
  return new ReadError('corrupt_file', `The DOCX archive could not be read (${error.name}).`);
}

/** Converts a checked DOCX to markdown; images are dropped unread. */
export async function docxToMarkdown(bytes: Buffer): Promise<{ markdown: string; warnings: string[] }> {
  let html: string;
  let messages: { type: string; message: string }[];
  try {
    ({ value: html, messages } = await mammoth.convertToHtml(
      { buffer: bytes },
      {
        // mammoth < 1.11 let linked images read local files (CVE-2025-11849); say so explicitly anyway.
        externalFileAccess: false,
        // Never reads the image: its bytes are not needed and a linked image must not be followed.
        convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })),
      },
    ));
  } catch (error) {
    const name = error instanceof Error ? error.name : typeof error;
    throw new ReadError('corrupt_file', `The DOCX could not be converted (${name}).`);
  }
  const warnings = messages.slice(0, 20).map((m) => `${m.type}: ${m.message.slice(0, 200)}`);
  return { markdown: htmlToMarkdown(html), warnings };
}

/** turndown with GFM-style tables and no images. */
export function htmlToMarkdown(html: string): string {
  const turndown = new TurndownService({ headingStyle: 'atx', bulletListMarker: '-', codeBlockStyle: 'fenced' });
  turndown.addRule('image', { filter: 'img', replacement: () => '' });
  turndown.addRule('table', {
    filter: 'table',
    replacement: (_content, node) => `\n\n${tableToMarkdown(node as unknown as DomNode)}\n\n`,
  });
  return turndown.turndown(html).trim();
}

interface DomNode {
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
}

function tableToMarkdown(table: DomNode): string {
  const rows: string[][] = [];
  collectRows(table, rows, true);
  if (rows.length === 0) return '';
  const width = Math.max(...rows.map((r) => r.length));
  const pad = (row: string[]): string[] => [...row, ...Array<string>(width - row.length).fill('')];
  const format = (row: string[]): string => `| ${pad(row).join(' | ')} |`;
  return [format(rows[0]), format(Array<string>(width).fill('---')), ...rows.slice(1).map(format)].join('\n');
}

function collectRows(node: DomNode, rows: string[][], isRoot: boolean): void {
  // A nested table's text stays in its parent cell rather than adding rows.
  if (!isRoot && node.nodeName === 'TABLE') return;
  if (node.nodeName === 'TR') {
    const cells = Array.from(node.childNodes).filter((c) => c.nodeName === 'TD' || c.nodeName === 'TH');
    rows.push(cells.map((c) => (c.textContent ?? '').replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|')));
    return;
  }
  for (const child of Array.from(node.childNodes)) collectRows(child, rows, false);
}
