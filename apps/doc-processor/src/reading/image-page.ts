import sharp, { Metadata } from 'sharp';
import { checkPageCount } from './file-inspection';
import { ReaderLimits } from './reader.protocol';
import { ReadError } from './reading.errors';

// A reader child reads one page at a time and is replaced after READER_PAGES_PER_CHILD pages: libvips's
// operation cache (50 MB by default) only holds memory, and its worker threads only compete with the
// other children for the same cores.
sharp.cache(false);
sharp.concurrency(1);

// Child-only: pictures (photos, scans, TIFF pages) through sharp. Sizes come from the header before
// anything is decoded, and decoding is capped again by limitInputPixels in case the header lied.

/** A page ready for OCR: greyscale, contrast stretched, PNG. */
export interface NormalisedPage {
  png: Buffer;
  widthPx: number;
  heightPx: number;
}

/** Page count of a picture file, after its header-declared sizes pass the pixel caps. */
export async function inspectImage(bytes: Buffer, kind: string, limits: ReaderLimits): Promise<number> {
  const first = await headerOf(bytes, 0);
  const pages = kind === 'tiff' ? (first.pages ?? 1) : 1;
  checkPageCount(pages, limits);
  let total = 0;
  for (let page = 0; page < pages; page += 1) {
    const { width, height } = page === 0 ? first : await headerOf(bytes, page);
    const pixels = (width ?? 0) * (height ?? 0);
    if (pixels === 0) throw new ReadError('corrupt_file', 'The image declares no size.');
    if (pixels > limits.maxPixelsPerPage) {
      throw new ReadError(
        'too_many_pixels',
        `Page ${page + 1} is ${width}x${height} pixels; at most ${limits.maxPixelsPerPage} pixels a page can be read.`,
      );
    }
    total += pixels;
  }
  if (total > limits.maxTotalPixels) {
    throw new ReadError(
      'too_many_pixels',
      `The file has ${total} pixels; at most ${limits.maxTotalPixels} can be read.`,
    );
  }
  // A truncated upload keeps a good header; one decode (under the cap) finds it now rather than
  // later. A TIFF's pages are decoded one by one when read.
  if (pages === 1) await decodeCheck(bytes, limits);
  return pages;
}

/** Decodes one page (EXIF-rotated) and normalises it for OCR. */
export async function normaliseImagePage(
  input: string | Buffer,
  pageIndex: number,
  limits: ReaderLimits,
): Promise<NormalisedPage> {
  try {
    const { data, info } = await sharp(input, {
      limitInputPixels: limits.maxPixelsPerPage,
      failOn: 'error',
      page: pageIndex,
    })
      .rotate()
      .greyscale()
      .normalise()
      .png()
      .toBuffer({ resolveWithObject: true });
    return { png: data, widthPx: info.width, heightPx: info.height };
  } catch (error) {
    throw imageError(error);
  }
}

async function decodeCheck(bytes: Buffer, limits: ReaderLimits): Promise<void> {
  try {
    await sharp(bytes, { limitInputPixels: limits.maxPixelsPerPage, failOn: 'error' }).stats();
  } catch (error) {
    throw imageError(error);
  }
}

async function headerOf(bytes: Buffer, page: number): Promise<Metadata> {
  try {
    // Metadata reads the header only, so no pixel cap applies yet: the caps above are ours.
    return await sharp(bytes, { limitInputPixels: false, failOn: 'error', page }).metadata();
  } catch (error) {
    throw imageError(error);
  }
}

function imageError(error: unknown): ReadError {
  if (error instanceof ReadError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message))
    return new ReadError('too_many_pixels', 'The image is larger than the pixel limit.');
  // The library's message can quote the file's contents: its name only (as for PDFs).
  const name = error instanceof Error ? error.name : typeof error;
  return new ReadError('corrupt_file', `The image could not be decoded (${name}).`);
}
