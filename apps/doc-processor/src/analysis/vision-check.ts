// Decides whether a vision model's transcription of a page can replace the OCR text. Vision models
// fail in recognisable ways (loops, refusals, placeholders, invented or dropped figures), and a wrong
// amount in a debt case costs more than a slower, uglier OCR page.
import { findAmounts, findDates } from './uk-parsers';

export interface VisionVerdict {
  accepted: boolean;
  reasons: string[];
}

export const VISION_CHECK_LIMITS = Object.freeze({
  /** Fewer visible characters than this is an empty answer. */
  minChars: 10,
  /** The same character this many times in a row (separators like --- and ... excepted). */
  maxCharRun: 30,
  /** The same line this many times in a row, or this many times in all when it is most lines. */
  maxConsecutiveLineRepeats: 5,
  maxLineRepeats: 8,
  maxLineRepeatShare: 0.4,
  /** A word n-gram of this size repeated this often and covering this share of the words. */
  ngramSize: 6,
  maxNgramRepeats: 5,
  maxNgramShare: 0.3,
  /** OCR confidence (0..1) from which its numbers are trusted enough to demand them. */
  trustedOcrConfidence: 0.6,
  /** Share of the OCR's amounts and dates the answer may lack. */
  maxMissingNumberShare: 0.2,
  /** An answer longer than this many times the OCR text (plus slack) is inventing. */
  maxLengthRatio: 3,
  lengthSlackChars: 200,
  /**
   * Share of the OCR's longer words (4+ letters) the answer must contain, however weak the OCR: even a
   * poor OCR gets most words of a page right, and an answer that shares few of them describes another
   * page, or none. Checked once the OCR has this many such words.
   */
  minSharedWordShare: 0.4,
  minOcrWordsForOverlap: 8,
});

const PLACEHOLDERS =
  /\[insert\b|lorem ipsum|\bI (?:cannot|can't|am unable to) (?:read|see|transcribe|make out)\b|\bas an AI\b|\bI'm sorry\b|\bunable to (?:read|process) (?:the|this) image\b|\[(?:illegible|unreadable|placeholder)\]/i;

function visibleChars(text: string): number {
  return text.replace(/\s/g, '').length;
}

function numbersOf(text: string): Set<string> {
  const amounts = findAmounts(text, { bareNumbers: true }).map((amount) => `£${Math.abs(amount.pence)}`);
  const dates = findDates(text).map((date) => date.iso);
  return new Set([...amounts, ...dates]);
}

function loopReason(answer: string): string | null {
  const limits = VISION_CHECK_LIMITS;
  if (new RegExp(`([^\\s\\-=_.*#|])\\1{${limits.maxCharRun - 1},}`).test(answer)) {
    return 'The answer repeats one character many times in a row.';
  }
  const lines = answer
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length >= 3 && !/^[\s|:\-=_.*#]+$/.test(line));
  let run = 1;
  for (let i = 1; i < lines.length; i++) {
    run = lines[i] === lines[i - 1] ? run + 1 : 1;
    if (run >= limits.maxConsecutiveLineRepeats) return 'The answer repeats the same line in a loop.';
  }
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  const topLine = Math.max(0, ...counts.values());
  if (topLine >= limits.maxLineRepeats && topLine / lines.length >= limits.maxLineRepeatShare) {
    return 'The answer is mostly one line repeated.';
  }
  const words = answer.split(/\s+/).filter(Boolean);
  const grams = new Map<string, number>();
  for (let i = 0; i + limits.ngramSize <= words.length; i++) {
    const gram = words.slice(i, i + limits.ngramSize).join(' ');
    grams.set(gram, (grams.get(gram) ?? 0) + 1);
  }
  const topGram = Math.max(0, ...grams.values());
  if (topGram >= limits.maxNgramRepeats && (topGram * limits.ngramSize) / words.length >= limits.maxNgramShare) {
    return 'The answer repeats the same phrase in a loop.';
  }
  return null;
}

/** Whether a vision transcription may replace OCR text, with the reasons when it may not. */
/** The share of the OCR's distinct 4+ letter words found in the answer; null when the OCR has too few. */
function sharedWordShare(ocrText: string, vision: string): number | null {
  const wordsOf = (text: string) => new Set(text.toLowerCase().match(/\p{L}{4,}/gu) ?? []);
  const ocrWords = wordsOf(ocrText);
  if (ocrWords.size < VISION_CHECK_LIMITS.minOcrWordsForOverlap) return null;
  const visionWords = wordsOf(vision);
  return [...ocrWords].filter((word) => visionWords.has(word)).length / ocrWords.size;
}

export function checkVisionAnswer({
  vision,
  ocrText,
  ocrConfidence,
}: {
  vision: string;
  ocrText: string;
  /** 0..1 */
  ocrConfidence: number;
}): VisionVerdict {
  const limits = VISION_CHECK_LIMITS;
  const reasons: string[] = [];
  if (visibleChars(vision) < limits.minChars) {
    return { accepted: false, reasons: ['The answer is empty or nearly empty.'] };
  }
  const loop = loopReason(vision);
  if (loop) reasons.push(loop);
  if (PLACEHOLDERS.test(vision))
    reasons.push('The answer contains a placeholder or a refusal instead of the page text.');
  const shared = sharedWordShare(ocrText, vision);
  if (shared !== null && shared < limits.minSharedWordShare) {
    reasons.push(`The answer shares only ${Math.round(shared * 100)}% of the words the OCR read on the page.`);
  }
  if (ocrConfidence >= limits.trustedOcrConfidence) {
    const ocrNumbers = numbersOf(ocrText);
    const visionNumbers = numbersOf(vision);
    const missing = [...ocrNumbers].filter((number) => !visionNumbers.has(number)).length;
    if (missing > 0 && missing / ocrNumbers.size > limits.maxMissingNumberShare) {
      reasons.push(`The answer lacks ${missing} of the ${ocrNumbers.size} amounts and dates the OCR read.`);
    }
    const ocrChars = visibleChars(ocrText);
    if (ocrChars > 0 && visibleChars(vision) > ocrChars * limits.maxLengthRatio + limits.lengthSlackChars) {
      reasons.push('The answer is far longer than the text on the page: it may be invented.');
    }
  }
  return { accepted: reasons.length === 0, reasons };
}
