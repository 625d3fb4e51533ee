import { readFile, writeFile } from 'node:fs/promises';
import { judgeTextLayer } from '../analysis/page-quality';
import { checkDocxArchive, docxToMarkdown } from './docx-document';
import { checkPageCount, detectKind } from './file-inspection';
import { inspectImage, NormalisedPage, normaliseImagePage } from './image-page';
import { recognisePage, terminateOcr } from './ocr-engine';
import { linesToMarkdown, wordsToLines } from './page-layout';
import { closePdf, getPdfPage, openPdf, readTextLayer, renderPdfPage } from './pdf-document';
import {
  DocxReading,
  FileInspection,
  InspectRequest,
  PageReading,
  ReadDocxRequest,
  ReaderRequest,
  readerRequestSchema,
  ReaderResponse,
  ReadPageRequest,
} from './reader.protocol';
import { ReadError } from './reading.errors';

// The reader child: started by ReaderPool with fork(), one request at a time, killed on timeout and
// recycled after a number of pages. Everything that parses client files runs here, never in the
// service process. It writes nothing about documents to stdout or stderr (clients' personal data).

/** OCR words under this confidence (0..100) are counted as low-confidence. */
const LOW_CONFIDENCE = 60;
/** Tesseract's scale guess for pictures of unknown resolution (phone photos, screenshots). */
const IMAGE_DPI = 300;

async function inspect(request: InspectRequest): Promise<FileInspection> {
  const bytes = await readFile(request.path);
  const { kind, mime } = await detectKind(bytes);
  let pages = 1;
  if (kind === 'pdf') {
    const document = await openPdf(request.path, request.limits, bytes);
    pages = document.numPages;
    checkPageCount(pages, request.limits);
    // Opening a damaged PDF can succeed on a rebuilt xref; the first page must load too.
    await getPdfPage(document, 0);
  } else if (kind === 'docx') {
    await checkDocxArchive(bytes, request.limits);
  } else {
    pages = await inspectImage(bytes, kind, request.limits);
  }
  return { kind, mime, pages, sizeBytes: bytes.length };
}

async function readPage(request: ReadPageRequest): Promise<PageReading> {
  const started = performance.now();
  const warnings: string[] = [];
  let image: NormalisedPage;
  let dpi = IMAGE_DPI;
  let quality: PageReading['quality'];
  if (request.kind === 'pdf') {
    const document = await openPdf(request.path, request.limits);
    checkPageCount(document.numPages, request.limits);
    const page = await getPdfPage(document, request.pageIndex);
    const layer = await readTextLayer(page);
    quality = judgeTextLayer({
      text: layer.text,
      textItemCount: layer.textItemCount,
      imageCoverage: layer.imageCoverage,
    });
    // A good text layer is the page's text: no picture is made, not even for imageOut, which serves the
    // vision model, and that only reads pages whose text came from pixels.
    if (request.mode === 'auto' && quality.useTextLayer) {
      page.cleanup();
      return {
        pageIndex: request.pageIndex,
        method: 'text-layer',
        markdown: linesToMarkdown(wordsToLines(layer.words)),
        confidence: 1,
        quality,
        words: layer.words.length,
        lowConfidenceWords: 0,
        ms: performance.now() - started,
        warnings,
      };
    }
    const rendered = await renderPdfPage(page, request.dpi, request.limits);
    if (rendered.dpi < request.dpi) warnings.push(`rendered at ${rendered.dpi} dpi to stay under the pixel limit`);
    dpi = rendered.dpi;
    image = await normaliseImagePage(rendered.png, 0, request.limits);
  } else {
    image = await normaliseImagePage(request.path, request.pageIndex, request.limits);
  }
  const ocr = await recognisePage(image.png, dpi);
  const confidences = ocr.words.map((w) => w.confidence);
  const mean = confidences.length ? confidences.reduce((a, b) => a + b, 0) / confidences.length : 0;
  if (ocr.words.length === 0) warnings.push('no text was recognised on this page');
  return {
    ...(await imageFields(request, image)),
    pageIndex: request.pageIndex,
    method: 'ocr',
    markdown: linesToMarkdown(wordsToLines(ocr.words)),
    confidence: Math.min(1, Math.max(0, mean / 100)),
    quality,
    words: ocr.words.length,
    lowConfidenceWords: confidences.filter((c) => c < LOW_CONFIDENCE).length,
    ocrMs: ocr.ms,
    ms: performance.now() - started,
    warnings,
  };
}

async function imageFields(
  request: ReadPageRequest,
  image: NormalisedPage,
): Promise<Pick<PageReading, 'imagePath' | 'widthPx' | 'heightPx'>> {
  if (request.imageOut) await writeFile(request.imageOut, image.png);
  return { imagePath: request.imageOut, widthPx: image.widthPx, heightPx: image.heightPx };
}

async function readDocx(request: ReadDocxRequest): Promise<DocxReading> {
  const started = performance.now();
  const bytes = await readFile(request.path);
  if (bytes.length === 0) throw new ReadError('empty_file', 'The file is empty.');
  await checkDocxArchive(bytes, request.limits);
  const { markdown, warnings } = await docxToMarkdown(bytes);
  return { markdown, warnings, ms: performance.now() - started };
}

async function handle(request: ReaderRequest): Promise<unknown> {
  switch (request.type) {
    case 'inspect':
      return inspect(request);
    case 'readPage':
      return readPage(request);
    case 'readDocx':
      return readDocx(request);
  }
}

function errorBody(error: unknown): { code: ReadError['code']; message: string } {
  if (error instanceof ReadError) return { code: error.code, message: error.message };
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return { code: 'read_failed', message: 'The file to read does not exist.' };
  // Library messages stay out: they can quote a file's bytes. The name and the stack's frames (code
  // locations, never data) go to stderr for whoever must find the bug.
  writeTrace(error);
  return { code: 'read_failed', message: `The reader failed (${(error as Error)?.name ?? 'unknown error'}).` };
}

/** An error's name and its stack's frames (code locations, never data) on stderr. */
function writeTrace(error: unknown): void {
  const frames = (error as Error)?.stack?.split('\n').filter((line) => /^\s+at /.test(line)) ?? [];
  process.stderr.write(`reader-child: unexpected ${(error as Error)?.name ?? 'error'}\n${frames.join('\n')}\n`);
}

async function onMessage(raw: unknown): Promise<void> {
  const parsed = readerRequestSchema.safeParse(raw);
  let response: ReaderResponse;
  if (!parsed.success) {
    const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : -1;
    response = { id, error: { code: 'read_failed', message: 'The reader received an invalid request.' } };
  } else {
    try {
      response = { id: parsed.data.id, result: await handle(parsed.data) };
    } catch (error) {
      response = { id: parsed.data.id, error: errorBody(error) };
    }
  }
  process.send?.(response);
}

async function shutDown(): Promise<void> {
  await Promise.allSettled([terminateOcr(), closePdf()]);
  process.exit(0);
}

if (!process.send) {
  process.stderr.write('reader.child must be started by ReaderPool (fork with an IPC channel)\n');
  process.exit(2);
}
// The pool sends one request at a time; handling them in order keeps that true even if it did not.
let queue: Promise<void> = Promise.resolve();
process.on('message', (raw) => {
  queue = queue.then(() => onMessage(raw));
});
process.on('disconnect', () => void shutDown());
// The parent decides when a reader stops: it disconnects, or kills it past a timeout. A terminal's Ctrl-C
// signals the whole process group at once; the reader finishes its page for the parent shutting down.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
// An error nothing caught ends the child as Node's default would, but without Node's print of its message
// and source line, which can quote a file's bytes; the parent reports the crash as reader_crashed.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    writeTrace(error);
    process.exit(1);
  });
}
process.send({ type: 'ready' });
