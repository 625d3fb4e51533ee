// Model shapes and the tokenizer vocabulary of the generated models.

export interface Preset {
  /** Embedding width (llama.embedding_length). */
  nEmbd: number;
  /** Number of transformer blocks (llama.block_count). */
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  /** Feed-forward width (llama.feed_forward_length). */
  nFf: number;
  contextLength: number;
  /** Storage type of the 2-D weight matrices; norms are always F32. */
  weightType: 'f32' | 'f16';
}

export const PRESETS = {
  /** About 0.16M parameters, F32, about 0.6 MB: loads and generates in milliseconds. */
  tiny: { nEmbd: 64, nLayer: 2, nHead: 4, nHeadKv: 4, nFf: 128, contextLength: 2048, weightType: 'f32' },
  /** About 28M parameters, F16, about 55 MB (52 MiB): a model with a measurable decode cost. */
  medium: { nEmbd: 512, nLayer: 8, nHead: 8, nHeadKv: 8, nFf: 1536, contextLength: 2048, weightType: 'f16' },
} as const satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function isPresetName(value: string): value is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, value);
}

/** llama.cpp token types (tokenizer.ggml.token_type). */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
/** `<unk>`, `<s>`, `</s>`: the tokens the end-of-generation guard keeps from being sampled. */
export const CONTROL_TOKEN_IDS: readonly number[] = [UNK_ID, BOS_ID, EOS_ID];

/** SentencePiece's space marker, U+2581. */
export const SPACE_MARKER = '\u2581';

/**
 * Common English words (lowercase ASCII). Each becomes a `▁word` token together with all its
 * prefixes (`▁w`, `▁wo`, ...): llama.cpp's SPM tokenizer only merges two pieces when the merged
 * text is itself a token, so the prefixes are the path from single characters to the whole word.
 */
const WORDS = [
  'the',
  'of',
  'and',
  'to',
  'in',
  'is',
  'it',
  'you',
  'that',
  'he',
  'was',
  'for',
  'on',
  'are',
  'with',
  'as',
  'his',
  'they',
  'be',
  'at',
  'one',
  'have',
  'this',
  'from',
  'or',
  'had',
  'by',
  'not',
  'word',
  'but',
  'what',
  'some',
  'we',
  'can',
  'out',
  'other',
  'were',
  'all',
  'there',
  'when',
  'up',
  'use',
  'your',
  'how',
  'said',
  'an',
  'each',
  'she',
  'which',
  'do',
  'their',
  'time',
  'if',
  'will',
  'way',
  'about',
  'many',
  'then',
  'them',
  'write',
  'would',
  'like',
  'so',
  'these',
  'her',
  'long',
  'make',
  'thing',
  'see',
  'him',
  'two',
  'has',
  'look',
  'more',
  'day',
  'could',
  'go',
  'come',
  'did',
  'number',
  'no',
  'most',
  'people',
  'my',
  'over',
  'know',
  'water',
  'than',
  'call',
  'first',
  'who',
  'may',
  'down',
  'side',
  'been',
  'now',
  'find',
  'any',
  'new',
  'work',
  'part',
  'take',
  'get',
  'place',
  'made',
  'live',
  'where',
  'after',
  'back',
  'little',
  'only',
  'round',
  'man',
  'year',
  'came',
  'show',
  'every',
  'good',
  'me',
  'give',
  'our',
  'under',
  'name',
  'very',
  'through',
  'just',
  'form',
  'help',
  'line',
  'before',
  'hello',
  'world',
  'note',
  'notes',
  'document',
  'question',
  'answer',
  'model',
  'text',
  'data',
];

export interface Vocabulary {
  tokens: string[];
  scores: number[];
  tokenTypes: number[];
}

/**
 * The byte-level SPM vocabulary: `<unk>`, `<s>`, `</s>`, the 256 byte tokens, `▁`, then the word
 * pieces with descending scores. Deterministic: it depends on nothing but this file.
 */
export function buildVocabulary(): Vocabulary {
  const tokens: string[] = ['<unk>', '<s>', '</s>'];
  const tokenTypes: number[] = [TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control];
  const scores: number[] = [0, 0, 0];
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
    tokenTypes.push(TOKEN_TYPE.byte);
    scores.push(0);
  }
  const pieces: string[] = [SPACE_MARKER];
  const seen = new Set(pieces);
  for (const word of WORDS) {
    for (let length = 1; length <= word.length; length++) {
      const piece = SPACE_MARKER + word.slice(0, length);
      if (!seen.has(piece)) {
        seen.add(piece);
        pieces.push(piece);
      }
    }
  }
  pieces.forEach((piece, index) => {
    tokens.push(piece);
    tokenTypes.push(TOKEN_TYPE.normal);
    scores.push(-index);
  });
  return { tokens, scores, tokenTypes };
}
