import { extname } from 'node:path';
import { TextDecoder } from 'node:util';
import { RagError } from '../common/rag.errors';

/** An uploaded file as multer gives it. */
export interface UploadedDocument {
  originalname: string;
  mimetype: string;
  size: number;
  buffer: Buffer;
}

export const SUPPORTED_EXTENSIONS = ['.md', '.markdown', '.txt', '.pdf'] as const;

/** A file's extension as a message may quote it; its name may be a client's, so never the name. */
function shownExtension(extension: string): string {
  return /^\.[a-z0-9]{1,8}$/.test(extension) ? `a ${extension} file` : 'a file without a known extension';
}

/**
 * The text of an uploaded manual: UTF-8 text or markdown as it is, a PDF's text layer through unpdf
 * (pdf.js). Scans and images have no text to read: the doc-processor reads those and sends its markdown.
 */
export async function textOfUpload(file: UploadedDocument): Promise<{ text: string; format: 'markdown' | 'text' }> {
  const extension = extname(file.originalname).toLowerCase();
  if (extension === '.pdf' || file.mimetype === 'application/pdf') return { text: await pdfText(file), format: 'text' };
  if (!(SUPPORTED_EXTENSIONS as readonly string[]).includes(extension)) {
    throw new RagError(
      'unsupported_file',
      `${shownExtension(extension)} is not a supported file type: send .md, .txt or .pdf (with a text layer); scanned ` +
        'documents and images go to the doc-processor',
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file.buffer);
  } catch {
    throw new RagError('unreadable_file', 'the file is not UTF-8 text: save it as UTF-8 and send it again');
  }
  if (text.includes('\u0000')) {
    throw new RagError('unreadable_file', 'the file holds binary data, not text');
  }
  return { text, format: extension === '.txt' ? 'text' : 'markdown' };
}

async function pdfText(file: UploadedDocument): Promise<string> {
  if (!file.buffer.subarray(0, 1024).toString('latin1').includes('%PDF-')) {
    throw new RagError('unreadable_file', 'the file is not a PDF (no %PDF- header)');
  }
  const { extractText, getDocumentProxy } = await import('unpdf');
  let pages: string[];
  try {
    const document = await getDocumentProxy(new Uint8Array(file.buffer));
    pages = (await extractText(document, { mergePages: false })).text;
  } catch (error) {
    throw new RagError(
      'unreadable_file',
      `the file could not be read as a PDF (${(error as Error).name}): check the file is whole`,
    );
  }
  const text = pages.join('\n\n').trim();
  if (!text) {
    throw new RagError(
      'no_text_layer',
      'the PDF has no text layer (a scan or images): send it to the doc-processor, which reads scans',
    );
  }
  return text;
}
