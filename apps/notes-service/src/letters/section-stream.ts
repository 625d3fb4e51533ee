// Reads a flat JSON object of string values as it streams in ({"situation":"You owe...","nextSteps":...})
// and reports each value's text as it grows, so a client sees the letter as it is written rather than
// JSON punctuation. Anything that is not a string value (a number, a nested object) is skipped.

export interface SectionDelta {
  key: string;
  /** True for the first piece of this key's value. */
  opened: boolean;
  text: string;
}

type State = 'before-key' | 'key' | 'before-colon' | 'before-value' | 'value' | 'other-value' | 'after-value';

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\', '/': '/' };

export class SectionStreamParser {
  private state: State = 'before-key';
  private key = '';
  private escape: string | undefined;
  private opened = false;
  private nesting = 0;
  private inOtherString = false;

  /** Feeds a chunk of JSON text; returns the string text it completed, by key. */
  push(chunk: string): SectionDelta[] {
    const deltas: SectionDelta[] = [];
    let text = '';
    const flush = () => {
      if (text) deltas.push({ key: this.key, opened: !this.opened, text });
      if (text) this.opened = true;
      text = '';
    };
    for (const char of chunk) {
      switch (this.state) {
        case 'before-key':
          if (char === '"') {
            this.state = 'key';
            this.key = '';
          }
          break;
        case 'key': {
          const read = this.readStringChar(char);
          if (read === null) this.state = 'before-colon';
          else if (read !== undefined) this.key += read;
          break;
        }
        case 'before-colon':
          if (char === ':') this.state = 'before-value';
          break;
        case 'before-value':
          if (char === '"') {
            this.state = 'value';
            this.opened = false;
          } else if (!/\s/.test(char)) {
            this.state = 'other-value';
            this.nesting = char === '{' || char === '[' ? 1 : 0;
            if (this.nesting === 0 && (char === ',' || char === '}')) this.state = 'before-key';
          }
          break;
        case 'value': {
          const read = this.readStringChar(char);
          if (read === null) {
            flush();
            this.state = 'after-value';
          } else if (read !== undefined) text += read;
          break;
        }
        case 'other-value':
          this.skipOther(char);
          break;
        case 'after-value':
          if (char === ',') this.state = 'before-key';
          break;
      }
    }
    flush();
    return deltas;
  }

  /** A character of a JSON string: its text, undefined while an escape is incomplete, null at the closing quote. */
  private readStringChar(char: string): string | null | undefined {
    if (this.escape !== undefined) {
      this.escape += char;
      if (this.escape[0] === 'u') {
        if (this.escape.length < 5) return undefined;
        const decoded = String.fromCharCode(parseInt(this.escape.slice(1), 16));
        this.escape = undefined;
        return decoded;
      }
      const decoded = ESCAPES[this.escape] ?? this.escape;
      this.escape = undefined;
      return decoded;
    }
    if (char === '\\') {
      this.escape = '';
      return undefined;
    }
    return char === '"' ? null : char;
  }

  private skipOther(char: string): void {
    if (this.inOtherString) {
      if (this.escape !== undefined) this.escape = undefined;
      else if (char === '\\') this.escape = '';
      else if (char === '"') this.inOtherString = false;
      return;
    }
    if (char === '"') this.inOtherString = true;
    else if (char === '{' || char === '[') this.nesting += 1;
    else if (char === '}' || char === ']') this.nesting -= 1;
    if (this.nesting <= 0 && (char === ',' || this.nesting < 0)) this.state = 'before-key';
  }
}
