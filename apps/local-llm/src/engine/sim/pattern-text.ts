// A string for a JSON-schema `pattern`, for the simulated engine. Covers what schemas usually hold:
// literals, escapes (\d \w \s and escaped punctuation), classes with ranges (negated ones too), `.`,
// groups, alternation and the quantifiers ? * + {n} {n,} {n,m}. Anything else (back-references,
// look-arounds) is refused rather than guessed: the caller checks every result with the real RegExp.

type Node =
  | { kind: 'chars'; pick: (next: () => number) => string }
  | { kind: 'sequence'; items: Node[] }
  | { kind: 'alternation'; options: Node[] }
  | { kind: 'repeat'; node: Node; min: number; max: number };

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
const DIGITS = '0123456789'.split('');
const WORD = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', ...DIGITS, '_'];
const SPACE = [' '];
const ESCAPE_SETS: Record<string, string[]> = {
  d: DIGITS,
  w: WORD,
  s: SPACE,
  D: PRINTABLE.filter((c) => !DIGITS.includes(c)),
  W: PRINTABLE.filter((c) => !WORD.includes(c)),
  S: PRINTABLE.filter((c) => c !== ' '),
};
/** Extra repetitions drawn beyond a quantifier's minimum. */
const EXTRA_REPEATS = 3;

const fromSet = (set: readonly string[]): Node => ({
  kind: 'chars',
  pick: (next) => set[Math.floor(next() * set.length)],
});

class PatternParser {
  private at = 0;

  constructor(private readonly source: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.at < this.source.length) throw this.unsupported();
    return node;
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.source[this.at] === '|') {
      this.at += 1;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0] : { kind: 'alternation', options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.at < this.source.length && this.source[this.at] !== '|' && this.source[this.at] !== ')') {
      const char = this.source[this.at];
      // Anchors: the whole generated string is the match.
      if (char === '^' || char === '$') {
        this.at += 1;
        continue;
      }
      items.push(this.quantified(this.atom()));
    }
    return { kind: 'sequence', items };
  }

  private atom(): Node {
    const char = this.source[this.at++];
    if (char === '(') {
      if (this.source[this.at] === '?') {
        if (this.source[this.at + 1] !== ':') throw this.unsupported();
        this.at += 2;
      }
      const inner = this.alternation();
      if (this.source[this.at++] !== ')') throw this.unsupported();
      return inner;
    }
    if (char === '[') return fromSet(this.classSet());
    if (char === '.') return fromSet(WORD);
    if (char === '\\') return fromSet(this.escape());
    if ('*+?{'.includes(char)) throw this.unsupported();
    return fromSet([char]);
  }

  private escape(): string[] {
    const char = this.source[this.at++];
    if (char === undefined) throw this.unsupported();
    if (ESCAPE_SETS[char]) return ESCAPE_SETS[char];
    if (/[0-9bBkpPux]/.test(char)) throw this.unsupported();
    return [{ n: '\n', t: '\t', r: '\r' }[char as 'n'] ?? char];
  }

  private classSet(): string[] {
    const negated = this.source[this.at] === '^';
    if (negated) this.at += 1;
    const members = new Set<string>();
    let first = true;
    while (this.source[this.at] !== ']' || first) {
      first = false;
      if (this.at >= this.source.length) throw this.unsupported();
      let from: string[];
      if (this.source[this.at] === '\\') {
        this.at += 1;
        from = this.escape();
      } else {
        from = [this.source[this.at++]];
      }
      if (from.length === 1 && this.source[this.at] === '-' && this.source[this.at + 1] !== ']') {
        this.at += 1;
        const to = this.source[this.at] === '\\' ? (this.at++, this.escape()) : [this.source[this.at++]];
        if (to.length !== 1) throw this.unsupported();
        for (let code = from[0].charCodeAt(0); code <= to[0].charCodeAt(0); code += 1) {
          members.add(String.fromCharCode(code));
        }
      } else {
        from.forEach((member) => members.add(member));
      }
    }
    this.at += 1;
    const set = negated ? PRINTABLE.filter((c) => !members.has(c)) : [...members];
    if (set.length === 0) throw this.unsupported();
    return set;
  }

  private quantified(node: Node): Node {
    const char = this.source[this.at];
    let min: number;
    let max: number;
    if (char === '?') [min, max] = [0, 1];
    else if (char === '*') [min, max] = [0, EXTRA_REPEATS];
    else if (char === '+') [min, max] = [1, 1 + EXTRA_REPEATS];
    else if (char === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.at));
      if (!match) return node;
      min = Number(match[1]);
      max = match[2] === undefined ? min : match[3] ? Number(match[3]) : min + EXTRA_REPEATS;
      this.at += match[0].length - 1;
    } else return node;
    this.at += 1;
    // A lazy quantifier (`+?`) matches the same strings.
    if (this.source[this.at] === '?') this.at += 1;
    return { kind: 'repeat', node, min, max };
  }

  private unsupported(): Error {
    return new Error(`the pattern ${JSON.stringify(this.source)} is beyond the simulated engine's pattern support`);
  }
}

function generate(node: Node, next: () => number): string {
  switch (node.kind) {
    case 'chars':
      return node.pick(next);
    case 'sequence':
      return node.items.map((item) => generate(item, next)).join('');
    case 'alternation':
      return generate(node.options[Math.floor(next() * node.options.length)], next);
    case 'repeat': {
      const count = node.min + Math.floor(next() * (node.max - node.min + 1));
      return Array.from({ length: count }, () => generate(node.node, next)).join('');
    }
  }
}

/**
 * A string matching `pattern` with a length in [minLength, maxLength], or an error saying why none was
 * found: tries a few draws, and checks each with the pattern itself (ECMA-262, as JSON Schema says).
 */
export function textForPattern(
  pattern: string,
  next: () => number,
  { minLength = 0, maxLength = Number.POSITIVE_INFINITY }: { minLength?: number; maxLength?: number } = {},
): string {
  const tree = new PatternParser(pattern).parse();
  const check = new RegExp(pattern, 'u');
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const text = generate(tree, next);
    if (text.length >= minLength && text.length <= maxLength && check.test(text)) return text;
  }
  throw new Error(
    `no string of length ${minLength}..${maxLength} matching the pattern ${JSON.stringify(pattern)} was found`,
  );
}
