import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { AlignmentType, Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, WidthType } from 'docx';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PDFDocument, PDFFont, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';

// Client documents made on the spot (no downloads): text and scanned PDFs, photos, TIFF faxes, DOCX.
// A line is a string; a tab or a run of two or more spaces splits it into cells drawn at aligned column
// stops, as a bank statement's transaction rows are, so the reader's table detection has something real
// to find.

/** How a drawn "scan" is spoiled. */
export interface ScanOptions {
  /** Share of the page sprinkled with specks (0..0.05 is realistic). */
  noise?: number;
  /** Rotation of the text on the page, in degrees. */
  skewDegrees?: number;
  dpi?: number;
}

/** A picture file of one page. */
export interface PageImageOptions extends ScanOptions {
  format?: 'png' | 'jpeg' | 'webp';
}

const A4_POINTS = { width: 595.28, height: 841.89 };
const FONT_POINTS = 11;
const LINE_POINTS = 16;
const MARGIN_POINTS = 60;
const COLUMN_GAP_POINTS = 28;

/** A tab, or a run of spaces as the sample documents align their columns with, starts a new cell. */
const CELL_BREAK = /\t| {2,}/;

const FONT_FAMILY = 'Fixture Sans';
let fontRegistered = false;

/** Liberation Sans ships inside pdfjs-dist, so drawing text needs no system fonts. */
function ensureFont(): void {
  if (fontRegistered) return;
  const fonts = join(dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts');
  GlobalFonts.registerFromPath(join(fonts, 'LiberationSans-Regular.ttf'), FONT_FAMILY);
  fontRegistered = true;
}

/**
 * Column start offsets for each line, from the widest cell in each column of its block: a run of lines
 * with two or more cells (a table, a label and its amount). A one-cell line (a heading, a footer) neither
 * takes part nor is pushed across the page by a table's widths.
 */
function lineStops(lines: string[], measure: (text: string) => number): number[][] {
  const stops: number[][] = lines.map(() => [0]);
  let blockStart = 0;
  for (let row = 0; row <= lines.length; row += 1) {
    if (row < lines.length && lines[row].split(CELL_BREAK).length > 1) continue;
    const block = lines.slice(blockStart, row);
    const widths: number[] = [];
    for (const line of block) {
      line.split(CELL_BREAK).forEach((cell, column) => {
        widths[column] = Math.max(widths[column] ?? 0, measure(cell));
      });
    }
    const blockStops = [0];
    for (let column = 1; column < widths.length; column += 1) {
      blockStops.push(blockStops[column - 1] + widths[column - 1] + COLUMN_GAP_POINTS);
    }
    for (let inBlock = blockStart; inBlock < row; inBlock += 1) stops[inBlock] = blockStops;
    blockStart = row + 1;
  }
  return stops;
}

/** A PDF with a real text layer (Helvetica 11pt), lines top-down; tabs make aligned columns. */
export async function textPdf(pages: string[][]): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font: PDFFont = await pdf.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = pdf.addPage([A4_POINTS.width, A4_POINTS.height]);
    const stops = lineStops(lines, (text) => font.widthOfTextAtSize(text, FONT_POINTS));
    lines.forEach((line, row) => {
      const y = A4_POINTS.height - MARGIN_POINTS - row * LINE_POINTS;
      line.split(CELL_BREAK).forEach((cell, column) => {
        if (cell) page.drawText(cell, { x: MARGIN_POINTS + stops[row][column], y, size: FONT_POINTS, font });
      });
    });
  }
  return Buffer.from(await pdf.save());
}

/** Draws one page as a greyscale-looking PNG, as a scanner at `dpi` would see it. */
export async function drawPage(lines: string[], options: ScanOptions = {}): Promise<Buffer> {
  ensureFont();
  const dpi = options.dpi ?? 200;
  const px = dpi / 72;
  const width = Math.round(A4_POINTS.width * px);
  const height = Math.round(A4_POINTS.height * px);
  const canvas = createCanvas(width, height);
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, width, height);
  context.fillStyle = '#1a1a1a';
  context.font = `${FONT_POINTS * px}px "${FONT_FAMILY}"`;
  context.textBaseline = 'alphabetic';
  context.save();
  if (options.skewDegrees) {
    context.translate(width / 2, height / 2);
    context.rotate((options.skewDegrees * Math.PI) / 180);
    context.translate(-width / 2, -height / 2);
  }
  const stops = lineStops(lines, (text) => context.measureText(text).width / px);
  lines.forEach((line, row) => {
    const y = (MARGIN_POINTS + FONT_POINTS + row * LINE_POINTS) * px;
    line
      .split(CELL_BREAK)
      .forEach((cell, column) => context.fillText(cell, (MARGIN_POINTS + stops[row][column]) * px, y));
  });
  context.restore();
  const specks = Math.round((options.noise ?? 0) * width * height * 0.01);
  const random = seededRandom(width * 31 + lines.length);
  context.fillStyle = '#444444';
  for (let i = 0; i < specks; i += 1) {
    const size = 1 + random() * 2 * px;
    context.fillRect(random() * width, random() * height, size, size);
  }
  const png = await canvas.encode('png');
  // A touch of blur: scanners never give perfectly sharp glyph edges.
  return sharp(png).blur(0.6).greyscale().png().toBuffer();
}

/** A PDF of page-sized images and no text layer, like a scanner's output. */
export async function scannedPdf(pages: string[][], options: ScanOptions = {}): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  for (const lines of pages) {
    const image = await pdf.embedPng(await drawPage(lines, options));
    const page = pdf.addPage([A4_POINTS.width, A4_POINTS.height]);
    page.drawImage(image, { x: 0, y: 0, width: A4_POINTS.width, height: A4_POINTS.height });
  }
  return Buffer.from(await pdf.save());
}

/** One page as a PNG, JPEG or WebP photo/scan. */
export async function pageImage(lines: string[], options: PageImageOptions = {}): Promise<Buffer> {
  const png = await drawPage(lines, options);
  switch (options.format ?? 'png') {
    case 'png':
      return png;
    case 'jpeg':
      return sharp(png).jpeg({ quality: 85 }).toBuffer();
    case 'webp':
      return sharp(png).webp({ quality: 85 }).toBuffer();
  }
}

/** A multi-page TIFF (as fax and scanner software write), one drawn page per entry. */
export async function multiPageTiff(pages: string[][], options: ScanOptions = {}): Promise<Buffer> {
  const drawn = await Promise.all(pages.map((lines) => drawPage(lines, { dpi: 150, ...options })));
  return sharp(drawn, { join: { animated: true } })
    .tiff({ compression: 'lzw' })
    .toBuffer();
}

/** What goes into a DOCX fixture. */
export interface DocxContent {
  heading: string;
  paragraphs: string[];
  /** First row is the header. */
  table?: string[][];
}

/** A Word document with a heading, paragraphs and an optional table. */
export async function docxFile(content: DocxContent): Promise<Buffer> {
  const children: (Paragraph | Table)[] = [
    new Paragraph({ text: content.heading, heading: HeadingLevel.HEADING_1 }),
    ...content.paragraphs.map((text) => new Paragraph({ text })),
  ];
  if (content.table) {
    children.push(
      new Table({
        width: { size: 100, type: WidthType.PERCENTAGE },
        rows: content.table.map(
          (cells, row) =>
            new TableRow({
              tableHeader: row === 0,
              children: cells.map(
                (text) => new TableCell({ children: [new Paragraph({ text, alignment: AlignmentType.LEFT })] }),
              ),
            }),
        ),
      }),
    );
  }
  return Packer.toBuffer(new Document({ sections: [{ children }] }));
}

/** A temporary folder for fixture files, removed by `remove()`. */
export async function fixtureFolder(): Promise<{
  dir: string;
  write(name: string, bytes: Buffer): Promise<string>;
  remove(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'doc-fixtures-'));
  return {
    dir,
    async write(name, bytes) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Deterministic noise, so a flaky OCR result can be reproduced. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
