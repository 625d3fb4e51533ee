// Decides per page whether a PDF's embedded text layer can be trusted or the page must be OCRed:
// scanned letters often carry an empty, garbled or invisible text layer that would poison everything
// downstream. The rules follow marker's (datalab-to/marker) heuristics, made deterministic.

export interface PageTextStats {
  text: string;
  textItemCount: number;
  /** 0..1, share of the page area covered by images */
  imageCoverage: number;
}

export interface PageQualityVerdict {
  useTextLayer: boolean;
  reason: string;
  metrics: {
    chars: number;
    replacementRatio: number;
    whitespaceRatio: number;
    newlineRatio: number;
    alphanumericRatio: number;
    imageCoverage: number;
  };
}

export const PAGE_QUALITY_THRESHOLDS = Object.freeze({
  /** Fewer non-space characters than this is a blank or image-only page. */
  minNonSpaceChars: 25,
  /** Share of all characters that are spaces or tabs. */
  maxWhitespaceRatio: 0.7,
  /** Share of all characters that are line breaks: one glyph per line is a broken layer. */
  maxNewlineRatio: 0.6,
  /** Share of non-whitespace characters that are letters or digits. */
  minAlphanumericRatio: 0.3,
  /** Garbage characters allowed: the larger of this count and the ratio below. */
  maxGarbageChars: 6,
  maxGarbageRatio: 0.03,
  /** An image this large over a page with less text than below is a scan with a stray text layer. */
  scanImageCoverage: 0.65,
  scanMaxNonSpaceChars: 200,
});

// U+FFFD, C0/C1 control characters other than tab and line breaks, and the private use area, where
// PDFs with broken font maps put their glyphs.
// Control characters are the point of this pattern, hence the lint exception.
// eslint-disable-next-line no-control-regex
const GARBAGE = /[\uFFFD\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uE000-\uF8FF]/g;

function countOf(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 1000) / 1000;
}

/** Whether to keep a page's text layer, with the rule that decided and the numbers it used. */
export function judgeTextLayer(stats: PageTextStats): PageQualityVerdict {
  const limits = PAGE_QUALITY_THRESHOLDS;
  const { text } = stats;
  const chars = text.length;
  const nonSpaceChars = countOf(text, /\S/g);
  const garbageChars = countOf(text, GARBAGE);
  const metrics = {
    chars,
    replacementRatio: ratio(garbageChars, chars),
    whitespaceRatio: ratio(countOf(text, /[ \t\u00A0]/g), chars),
    newlineRatio: ratio(countOf(text, /\r\n|\r|\n/g), chars),
    alphanumericRatio: ratio(countOf(text, /[\p{L}\p{N}]/gu), nonSpaceChars),
    imageCoverage: stats.imageCoverage,
  };
  const ocr = (reason: string): PageQualityVerdict => ({ useTextLayer: false, reason, metrics });

  if (stats.textItemCount === 0 || chars === 0) return ocr('The page has no text layer.');
  if (nonSpaceChars < limits.minNonSpaceChars) {
    return ocr(`The text layer has fewer than ${limits.minNonSpaceChars} visible characters.`);
  }
  if (metrics.whitespaceRatio > limits.maxWhitespaceRatio) return ocr('The text layer is mostly spaces.');
  if (metrics.newlineRatio > limits.maxNewlineRatio) return ocr('The text layer is mostly line breaks.');
  if (metrics.alphanumericRatio < limits.minAlphanumericRatio) {
    return ocr('The text layer has too few letters and digits.');
  }
  if (garbageChars > Math.max(limits.maxGarbageChars, limits.maxGarbageRatio * chars)) {
    return ocr('The text layer has too many unreadable characters.');
  }
  if (stats.imageCoverage >= limits.scanImageCoverage && nonSpaceChars < limits.scanMaxNonSpaceChars) {
    return ocr('An image covers most of the page and the text layer is small: probably a scan.');
  }
  return { useTextLayer: true, reason: 'The text layer looks complete and readable.', metrics };
}
