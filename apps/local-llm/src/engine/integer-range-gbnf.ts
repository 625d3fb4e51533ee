// Integer bounds in a JSON schema as llama.cpp's own JSON-schema grammar enforces them: a TypeScript port
// of build_min_max_int and of the integer branch of common_schema_converter::visit
// (llama.cpp common/json-schema-to-grammar.cpp). llama.cpp, and Ollama through it, bound only
// `"type": "integer"`; a `number` keeps its plain grammar (the converter's own TODO).

/** An integer's bounds, both inclusive; null is unbounded (int64's min or max in llama.cpp). */
export interface IntegerBounds {
  min: bigint | null;
  max: bigint | null;
}

/** nlohmann's get<int64_t>() on a JSON number: a fraction is cut off towards zero. */
const int64 = (value: unknown): bigint => BigInt(Math.trunc(Number(value)));

/**
 * The bounds llama.cpp reads from a schema, or undefined when it would use the plain integer rule:
 * `minimum` wins over `exclusiveMinimum` (which adds 1), `maximum` over `exclusiveMaximum` (minus 1).
 */
export function integerBounds(schema: Record<string, unknown>): IntegerBounds | undefined {
  if (schema['type'] !== 'integer') return undefined;
  const has = (key: string) => key in schema;
  if (!has('minimum') && !has('exclusiveMinimum') && !has('maximum') && !has('exclusiveMaximum')) return undefined;
  let min: bigint | null = null;
  let max: bigint | null = null;
  if (has('minimum')) min = int64(schema['minimum']);
  else if (has('exclusiveMinimum')) min = int64(schema['exclusiveMinimum']) + 1n;
  if (has('maximum')) max = int64(schema['maximum']);
  else if (has('exclusiveMaximum')) max = int64(schema['exclusiveMaximum']) - 1n;
  return { min, max };
}

/** The GBNF alternatives for the integers in `bounds`, without the trailing space rule: build_min_max_int. */
export function integerRangeGbnf(bounds: IntegerBounds): string {
  const out: string[] = [];
  buildMinMaxInt(bounds.min, bounds.max, out);
  return out.join('');
}

const repeat = (text: string, count: number) => text.repeat(Math.max(count, 0));
const charCode = (char: string) => char.charCodeAt(0);
const shift = (char: string, by: number) => String.fromCharCode(charCode(char) + by);

function buildMinMaxInt(
  minValue: bigint | null,
  maxValue: bigint | null,
  out: string[],
  decimalsLeft = 16,
  topLevel = true,
): void {
  const digitRange = (from: string, to: string) => {
    out.push('[', from === to ? from : `${from}-${to}`, ']');
  };
  const moreDigits = (minDigits: number, maxDigits: number) => {
    out.push('[0-9]');
    if (minDigits === maxDigits && minDigits === 1) return;
    out.push('{', String(minDigits));
    if (maxDigits !== minDigits) {
      out.push(',');
      if (maxDigits !== Number.MAX_SAFE_INTEGER) out.push(String(maxDigits));
    }
    out.push('}');
  };
  const uniformRange = (from: string, to: string): void => {
    let i = 0;
    while (i < from.length && i < to.length && from[i] === to[i]) i += 1;
    if (i > 0) out.push('"', from.slice(0, i), '"');
    if (i < from.length && i < to.length) {
      if (i > 0) out.push(' ');
      const subLength = from.length - i - 1;
      if (subLength > 0) {
        const fromSub = from.slice(i + 1);
        const toSub = to.slice(i + 1);
        const subZeros = repeat('0', subLength);
        const subNines = repeat('9', subLength);
        let toReached = false;
        out.push('(');
        if (fromSub === subZeros) {
          digitRange(from[i], shift(to[i], -1));
          out.push(' ');
          moreDigits(subLength, subLength);
        } else {
          out.push('[', from[i], '] ');
          out.push('(');
          uniformRange(fromSub, subNines);
          out.push(')');
          if (charCode(from[i]) < charCode(to[i]) - 1) {
            out.push(' | ');
            if (toSub === subNines) {
              digitRange(shift(from[i], 1), to[i]);
              toReached = true;
            } else {
              digitRange(shift(from[i], 1), shift(to[i], -1));
            }
            out.push(' ');
            moreDigits(subLength, subLength);
          }
        }
        if (!toReached) {
          out.push(' | ');
          digitRange(to[i], to[i]);
          out.push(' ');
          uniformRange(subZeros, toSub);
        }
        out.push(')');
      } else {
        out.push('[', from[i], '-', to[i], ']');
      }
    }
  };

  if (minValue !== null && maxValue !== null) {
    if (minValue < 0n && maxValue < 0n) {
      out.push('"-" (');
      buildMinMaxInt(-maxValue, -minValue, out, decimalsLeft, true);
      out.push(')');
      return;
    }
    let min = minValue;
    if (min < 0n) {
      out.push('"-" (');
      buildMinMaxInt(0n, -min, out, decimalsLeft, true);
      out.push(') | ');
      min = 0n;
    }
    let minText = min.toString();
    const maxText = maxValue.toString();
    for (let digits = minText.length; digits < maxText.length; digits += 1) {
      uniformRange(minText, repeat('9', digits));
      minText = `1${repeat('0', digits)}`;
      out.push(' | ');
    }
    uniformRange(minText, maxText);
    return;
  }

  const lessDecimals = Math.max(decimalsLeft - 1, 1);

  if (minValue !== null) {
    if (minValue < 0n) {
      out.push('"-" (');
      buildMinMaxInt(null, -minValue, out, decimalsLeft, false);
      out.push(') | [0] | [1-9] ');
      moreDigits(0, decimalsLeft - 1);
    } else if (minValue === 0n) {
      if (topLevel) {
        out.push('[0] | [1-9] ');
        moreDigits(0, lessDecimals);
      } else {
        moreDigits(1, decimalsLeft);
      }
    } else if (minValue <= 9n) {
      const c = minValue.toString();
      const rangeStart = topLevel ? '1' : '0';
      if (c > rangeStart) {
        digitRange(rangeStart, shift(c, -1));
        out.push(' ');
        moreDigits(1, lessDecimals);
        out.push(' | ');
      }
      digitRange(c, '9');
      out.push(' ');
      moreDigits(0, lessDecimals);
    } else {
      const minText = minValue.toString();
      const length = minText.length;
      const c = minText[0];
      if (c > '1') {
        digitRange(topLevel ? '1' : '0', shift(c, -1));
        out.push(' ');
        moreDigits(length, lessDecimals);
        out.push(' | ');
      }
      digitRange(c, c);
      out.push(' (');
      buildMinMaxInt(BigInt(minText.slice(1)), null, out, lessDecimals, false);
      out.push(')');
      if (c < '9') {
        out.push(' | ');
        digitRange(shift(c, 1), '9');
        out.push(' ');
        moreDigits(length - 1, lessDecimals);
      }
    }
    return;
  }

  if (maxValue !== null) {
    if (maxValue >= 0n) {
      if (topLevel) {
        out.push('"-" [1-9] ');
        moreDigits(0, lessDecimals);
        out.push(' | ');
      }
      buildMinMaxInt(0n, maxValue, out, decimalsLeft, true);
    } else {
      out.push('"-" (');
      buildMinMaxInt(-maxValue, null, out, decimalsLeft, false);
      out.push(')');
    }
    return;
  }

  throw new Error('At least one of min_value or max_value must be set');
}
