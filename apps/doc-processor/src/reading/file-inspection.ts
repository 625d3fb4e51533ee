import { importEsm } from './child-require';
import { FileKind, ReaderLimits } from './reader.protocol';
import { ReadError } from './reading.errors';

// Child-only: decides a file's kind from its bytes and checks the caps that can be checked before
// decoding anything. file-type is ESM-only, hence importEsm.

interface FileTypeModule {
  fileTypeFromBuffer(buffer: Uint8Array): Promise<{ ext: string; mime: string } | undefined>;
}

const KIND_BY_MIME: Record<string, FileKind> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/tiff': 'tiff',
  'image/webp': 'webp',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
};

/** Said in every unsupported_type message, so a client knows what to send instead. */
export const ACCEPTED_TYPES = 'PDF, PNG, JPEG, TIFF, WebP or DOCX';

/** The file's kind and MIME type from its magic bytes; never from its name. */
export async function detectKind(bytes: Uint8Array): Promise<{ kind: FileKind; mime: string }> {
  if (bytes.length === 0) throw new ReadError('empty_file', 'The file is empty.');
  const fileType = await importEsm<FileTypeModule>('file-type');
  const detected = await fileType.fileTypeFromBuffer(bytes);
  if (!detected) {
    throw new ReadError('unsupported_type', `The file type could not be recognised; send a ${ACCEPTED_TYPES} file.`);
  }
  const kind = KIND_BY_MIME[detected.mime];
  if (!kind) {
    throw new ReadError('unsupported_type', `The file is ${detected.mime}; send a ${ACCEPTED_TYPES} file.`);
  }
  return { kind, mime: detected.mime };
}

/** Checks shared by every kind once its page count is known. */
export function checkPageCount(pages: number, limits: ReaderLimits): void {
  if (pages > limits.maxPages) {
    throw new ReadError('too_many_pages', `The file has ${pages} pages; at most ${limits.maxPages} can be read.`);
  }
}
