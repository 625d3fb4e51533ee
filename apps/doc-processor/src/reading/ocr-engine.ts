import { dirname } from 'node:path';
import { createWorker, OEM, Worker } from 'tesseract.js';
import { childRequire } from './child-require';
import { PositionedWord } from './page-layout';

// Child-only: one tesseract.js worker per child, created on first use. Its WASM heap never shrinks,
// which is why the pool recycles children after a number of pages rather than reusing workers here.

/** A recognised word with tesseract's confidence (0..100). */
export interface OcrWord extends PositionedWord {
  confidence: number;
}

/** Words recognised on one page image. */
export interface OcrResult {
  words: OcrWord[];
  ms: number;
}

/** Tokens no document means on their own: what dust and scanner noise are read as. */
const SPECK = /^[.,:;'‘’"`°~^_*]+$/;
/** Below this confidence, a token without letters or digits is noise, not a dash or a £ sign. */
const SYMBOL_MIN_CONFIDENCE = 70;
/**
 * Below this confidence, a token of one or two letters or digits is a speck read as glyphs ("CL", "Co"),
 * not an initial, a short word or a figure, which a scan gives with far more confidence.
 */
const SHORT_TOKEN_MIN_CONFIDENCE = 60;

/** True for noise tokens that would otherwise add columns and lines to the layout. */
export function isSpeck(text: string, confidence: number): boolean {
  const token = text.trim();
  if (SPECK.test(token)) return true;
  if (!/[\p{L}\p{N}]/u.test(token)) return confidence < SYMBOL_MIN_CONFIDENCE;
  return [...token].length <= 2 && confidence < SHORT_TOKEN_MIN_CONFIDENCE;
}

let worker: Promise<Worker> | undefined;

function getWorker(): Promise<Worker> {
  worker ??= createWorker('eng', OEM.LSTM_ONLY, {
    // Offline: the language data ships in an npm package; without cacheMethod 'none' tesseract.js
    // would write eng.traineddata into the working directory.
    langPath: dirname(childRequire.resolve('@tesseract.js-data/eng/4.0.0_best_int/eng.traineddata.gz')),
    gzip: true,
    cacheMethod: 'none',
  });
  return worker;
}

/** Recognises a PNG; `dpi` tells tesseract the scale so it need not guess (and warn). */
export async function recognisePage(png: Buffer, dpi: number): Promise<OcrResult> {
  const started = performance.now();
  const ocr = await getWorker();
  await ocr.setParameters({ user_defined_dpi: String(dpi) });
  const { data } = await ocr.recognize(png, {}, { blocks: true, text: false });
  const words: OcrWord[] = [];
  for (const block of data.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        for (const word of line.words) {
          if (!word.text.trim() || isSpeck(word.text, word.confidence)) continue;
          const { x0, y0, x1, y1 } = word.bbox;
          words.push({ text: word.text, x0, y0, x1, y1, confidence: word.confidence });
        }
      }
    }
  }
  return { words, ms: performance.now() - started };
}

/** Ends the worker so the child can exit cleanly. */
export async function terminateOcr(): Promise<void> {
  const current = worker;
  worker = undefined;
  if (current) await (await current).terminate();
}
