import { createCanvas } from '@napi-rs/canvas';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { childRequire, importEsm } from './child-require';
import { PositionedWord, wordsToLines } from './page-layout';
import { ReaderLimits } from './reader.protocol';
import { ReadError } from './reading.errors';

// Child-only: pdf.js (ESM-only, so a real import()) for page counts, text layers and rendering. pdf.js
// has no decompression cap, so the child's memory limit and the pool's timeout are the real guards;
// here we cap what we can: page count first, image size, render size.

// Minimal local types: pdfjs-dist's own .d.mts does not resolve under moduleResolution node10.
interface PdfJs {
  getDocument(source: Record<string, unknown>): { promise: Promise<PdfDocument>; destroy(): Promise<void> };
  OPS: Record<string, number>;
}
interface PdfDocument {
  numPages: number;
  getPage(pageNumber: number): Promise<PdfPage>;
  /** pdf.js 6 destroys through the loading task, not the document. */
  loadingTask: { destroy(): Promise<void> };
}
interface PdfViewport {
  width: number;
  height: number;
  convertToViewportPoint(x: number, y: number): number[];
}
interface PdfTextItem {
  str?: string;
  transform?: number[];
  width?: number;
  height?: number;
}
interface PdfPage {
  view: number[];
  getViewport(options: { scale: number }): PdfViewport;
  getTextContent(): Promise<{ items: PdfTextItem[] }>;
  getOperatorList(): Promise<{ fnArray: number[]; argsArray: unknown[][] }>;
  render(options: Record<string, unknown>): { promise: Promise<void> };
  cleanup(): boolean;
}

/** A PDF page's text layer, as words for the layout and as stats for the quality judge. */
export interface PdfTextLayer {
  words: PositionedWord[];
  text: string;
  textItemCount: number;
  imageCoverage: number;
}

/** A rendered page, PNG-encoded, before normalisation. */
export interface RenderedPage {
  png: Buffer;
  widthPx: number;
  heightPx: number;
  /** The dpi actually used after the pixel cap. */
  dpi: number;
}

let pdfjsModule: Promise<PdfJs> | undefined;
/** One open document is kept, as the pipeline reads a file's pages one after another. */
let openDocument: { key: string; document: Promise<PdfDocument> } | undefined;

function pdfjs(): Promise<PdfJs> {
  pdfjsModule ??= importEsm<PdfJs>('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjsModule;
}

/** Opens (or reuses) a PDF; numPages is checked by callers before anything else is parsed. */
export async function openPdf(path: string, limits: ReaderLimits, bytes?: Buffer): Promise<PdfDocument> {
  const { mtimeMs, size } = await stat(path);
  const key = `${path}:${mtimeMs}:${size}:${limits.maxPixelsPerPage}`;
  if (openDocument?.key === key) return openDocument.document;
  await closePdf();
  const document = loadPdf(bytes ?? (await readFile(path)), limits);
  openDocument = { key, document };
  document.catch(() => {
    if (openDocument?.document === document) openDocument = undefined;
  });
  return document;
}

/** Releases the cached document. */
export async function closePdf(): Promise<void> {
  const current = openDocument;
  openDocument = undefined;
  if (current) await (await current.document.catch(() => undefined))?.loadingTask.destroy();
}

async function loadPdf(bytes: Buffer, limits: ReaderLimits): Promise<PdfDocument> {
  const lib = await pdfjs();
  const root = dirname(childRequire.resolve('pdfjs-dist/package.json'));
  const task = lib.getDocument({
    // pdf.js transfers (detaches) the buffer it is given: hand it a copy.
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    maxImageSize: limits.maxPixelsPerPage,
    standardFontDataUrl: join(root, 'standard_fonts') + '/',
    cMapUrl: join(root, 'cmaps') + '/',
    cMapPacked: true,
    wasmUrl: join(root, 'wasm') + '/',
    // Errors only: warnings can name fonts and objects, and stdout is no place for client files.
    verbosity: 0,
  });
  try {
    return await task.promise;
  } catch (error) {
    await task.destroy().catch(() => undefined);
    throw pdfError(error);
  }
}

/** Maps pdf.js failures to the reader's codes. */
export function pdfError(error: unknown): ReadError {
  if (error instanceof ReadError) return error;
  const name = (error as { name?: string })?.name;
  if (name === 'PasswordException') {
    return new ReadError('needs_password', 'The PDF is password-protected; send it without a password.');
  }
  // pdf.js's message can quote the file's bytes: its name only.
  return new ReadError('corrupt_file', `The PDF could not be parsed (${name ?? 'unknown error'}).`);
}

/** Loads a page, mapping pdf.js errors. */
export async function getPdfPage(document: PdfDocument, pageIndex: number): Promise<PdfPage> {
  if (pageIndex >= document.numPages) {
    throw new ReadError('page_out_of_range', `Page ${pageIndex + 1} does not exist; the PDF has ${document.numPages}.`);
  }
  try {
    return await document.getPage(pageIndex + 1);
  } catch (error) {
    throw pdfError(error);
  }
}

/** The text layer as positioned runs (top-left origin, PDF points) and the page's image coverage. */
export async function readTextLayer(page: PdfPage): Promise<PdfTextLayer> {
  const viewport = page.getViewport({ scale: 1 });
  const content = await page.getTextContent();
  const words: PositionedWord[] = [];
  for (const item of content.items) {
    if (!item.str?.trim() || !item.transform) continue;
    const [, , c, d, e, f] = item.transform;
    const height = item.height || Math.hypot(c, d);
    const [x, baseline] = viewport.convertToViewportPoint(e, f);
    words.push({ text: item.str, x0: x, x1: x + (item.width ?? 0), y0: baseline - height, y1: baseline });
  }
  const imageCoverage = await measureImageCoverage(page, await pdfjs());
  // The judge counts line breaks: give it visual lines, not one line per text run.
  const text = wordsToLines(words)
    .map((line) => line.words.map((w) => w.text).join(' '))
    .join('\n');
  return { words, text, textItemCount: words.length, imageCoverage };
}

type Matrix = [number, number, number, number, number, number];

/**
 * Share of the page covered by painted images: each image fills the unit square under the current
 * transform. Overlaps are counted twice and clipping is ignored; capped at 1. Good enough to tell a
 * scan (one page-sized image) from a letter with a logo.
 */
async function measureImageCoverage(page: PdfPage, lib: PdfJs): Promise<number> {
  const { OPS } = lib;
  const paints = new Set(
    [OPS.paintImageXObject, OPS.paintInlineImageXObject, OPS.paintImageMaskXObject, OPS.paintImageXObjectRepeat].filter(
      (op) => op !== undefined,
    ),
  );
  const [vx0, vy0, vx1, vy1] = page.view;
  const pageArea = Math.abs((vx1 - vx0) * (vy1 - vy0)) || 1;
  const { fnArray, argsArray } = await page.getOperatorList();
  const stack: Matrix[] = [];
  let ctm: Matrix = [1, 0, 0, 1, 0, 0];
  let covered = 0;
  for (let i = 0; i < fnArray.length; i += 1) {
    const op = fnArray[i];
    const args = argsArray[i];
    if (op === OPS.save) stack.push(ctm);
    else if (op === OPS.restore) ctm = stack.pop() ?? ctm;
    else if (op === OPS.transform) ctm = compose(ctm, args as Matrix);
    else if (op === OPS.paintFormXObjectBegin) {
      stack.push(ctm);
      if (Array.isArray(args?.[0])) ctm = compose(ctm, args[0] as Matrix);
    } else if (op === OPS.paintFormXObjectEnd) ctm = stack.pop() ?? ctm;
    else if (paints.has(op)) covered += clippedArea(ctm, page.view);
  }
  return Math.min(1, covered / pageArea);
}

function compose(m: Matrix, t: Matrix): Matrix {
  return [
    m[0] * t[0] + m[2] * t[1],
    m[1] * t[0] + m[3] * t[1],
    m[0] * t[2] + m[2] * t[3],
    m[1] * t[2] + m[3] * t[3],
    m[0] * t[4] + m[2] * t[5] + m[4],
    m[1] * t[4] + m[3] * t[5] + m[5],
  ];
}

function clippedArea(m: Matrix, view: number[]): number {
  const corners = [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ].map(([x, y]) => [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]]);
  const xs = corners.map((p) => p[0]);
  const ys = corners.map((p) => p[1]);
  const width = Math.min(Math.max(...xs), view[2]) - Math.max(Math.min(...xs), view[0]);
  const height = Math.min(Math.max(...ys), view[3]) - Math.max(Math.min(...ys), view[1]);
  return width > 0 && height > 0 ? width * height : 0;
}

/** Renders a page at `dpi`, lowered so the page stays under the per-page pixel cap. */
export async function renderPdfPage(page: PdfPage, dpi: number, limits: ReaderLimits): Promise<RenderedPage> {
  const base = page.getViewport({ scale: 1 });
  let scale = dpi / 72;
  const pixels = base.width * scale * (base.height * scale);
  if (pixels > limits.maxPixelsPerPage) scale *= Math.sqrt(limits.maxPixelsPerPage / pixels) * 0.999;
  const viewport = page.getViewport({ scale });
  const width = Math.max(1, Math.floor(viewport.width));
  const height = Math.max(1, Math.floor(viewport.height));
  const canvas = createCanvas(width, height);
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, width, height);
  try {
    await page.render({ canvasContext: context, viewport, canvas }).promise;
  } catch (error) {
    throw pdfError(error);
  } finally {
    page.cleanup();
  }
  return { png: await canvas.encode('png'), widthPx: width, heightPx: height, dpi: Math.round(scale * 72) };
}
