import { integerBounds, integerRangeGbnf } from './integer-range-gbnf';

// node-llama-cpp's JSON-schema grammar (LlamaJsonSchemaGrammar, 3.21) has no integer bounds: its
// integer rule takes any 16 digits. llama.cpp's own converter, which Ollama uses, does bound them. So the
// engine builds node-llama-cpp's grammar for a copy of the schema where each bounded integer is a
// `const` with a sentinel number, then puts llama.cpp's range rule where the sentinel's literal is.
// Generating within the bounds, rather than checking afterwards and sampling again, keeps one request one
// generation and works for ranges a random-weights model would almost never hit by chance.

type Schema = Record<string, unknown>;

/** A schema whose bounded integers are sentinels, and the range rule each sentinel stands for. */
export interface IntegerRangeSentinels {
  schema: unknown;
  /** GBNF literal of the sentinel (as node-llama-cpp writes a numeric const) -> the range's alternatives. */
  ranges: Map<string, string>;
}

/** Far from any number a schema is likely to hold; moved on if the schema holds it anyway. */
const SENTINEL_BASE = 8_260_417_000_000;

export function withIntegerRangeSentinels(schema: unknown): IntegerRangeSentinels {
  const text = JSON.stringify(schema);
  let next = SENTINEL_BASE;
  const ranges = new Map<string, string>();
  const sentinel = (): number => {
    while (text.includes(String(next))) next += 1_000;
    return next++;
  };
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node !== 'object' || node === null) return node;
    const bounds = integerBounds(node as Schema);
    if (bounds) {
      const value = sentinel();
      ranges.set(`"${value}"`, integerRangeGbnf(bounds));
      return { const: value };
    }
    return Object.fromEntries(
      Object.entries(node as Schema).map(([key, value]) =>
        // Values, not schemas: a const or enum that looks like a schema is left as it is.
        ['const', 'enum', 'default', 'examples'].includes(key) ? [key, value] : [key, visit(value)],
      ),
    );
  };
  return { schema: visit(schema), ranges };
}

/** Replaces each sentinel literal in a generated grammar with its range rule. */
export function spliceIntegerRanges(grammar: string, ranges: ReadonlyMap<string, string>): string {
  let spliced = grammar;
  for (const [literal, range] of ranges) spliced = spliced.split(literal).join(`(${range})`);
  return spliced;
}
