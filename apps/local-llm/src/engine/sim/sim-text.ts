import { createHash } from 'node:crypto';
import { seededRandom } from '../../common/seeded-random';
import { textForPattern } from './pattern-text';

// Deterministic text, tokens and vectors for the simulated engine. Token counting follows one rule
// everywhere: a token is a run of letters and digits, or one other non-space character.

const TOKEN = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;
/** Splits text into tokens that keep their leading white space, so joining them gives the text back. */
const PIECE = /\s*(?:[\p{L}\p{N}]+|[^\s\p{L}\p{N}])|\s+$/gu;

const WORDS = (
  'the a to of and you your we can will may must pay owe debt debts money income rent council tax arrears ' +
  'creditor creditors bailiff bailiffs court order letter letters budget month monthly week payment payments ' +
  'plan priority energy water bill bills benefit benefits adviser advice help options bankruptcy relief ' +
  'individual voluntary arrangement breathing space interest charges fees deadline date before after by ' +
  'contact call write send form forms evidence statement statements bank account balance offer agree ' +
  'agreement reduce freeze stop action next steps situation home housing mortgage loan loans card cards ' +
  'overdraft utility supplier county judgment default notice letterhead reply respond within days weeks ' +
  'today tomorrow please thank check keep copy note safe free independent confidential support team'
).split(' ');

export function countTokens(text: string): number {
  return text.match(TOKEN)?.length ?? 0;
}

/** The tokens of a text, by the rule above. */
export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** Text split into token-sized pieces whose concatenation is exactly the text. */
export function splitIntoTokens(text: string): string[] {
  return text.match(PIECE) ?? [];
}

/** A seed from any strings: the same request gives the same text. */
export function seedFrom(...parts: (string | number | undefined)[]): number {
  return createHash('sha256').update(parts.map(String).join('\u0000')).digest().readUInt32LE(0);
}

/** A seeded generator for picking words and values. */
export const random = seededRandom;

/** The i-th generated word of a stream: readable filler, one token each, with a leading space. */
export function wordAt(next: () => number, index: number): string {
  const word = WORDS[Math.floor(next() * WORDS.length)];
  return index === 0 ? word[0].toUpperCase() + word.slice(1) : ` ${word}`;
}

/**
 * A hashed bag of words, scaled to length 1: identical texts give cosine 1, and texts that share words
 * are closer than texts that share none.
 */
export function embed(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const token of text.toLowerCase().match(TOKEN) ?? []) {
    const hash = createHash('sha256').update(token).digest();
    const index = hash.readUInt32LE(0) % dimensions;
    vector[index] += hash[4] & 1 ? 1 : -1;
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return norm === 0 ? vector : vector.map((value) => value / norm);
}

type Schema = Record<string, unknown>;

/**
 * A JSON value that validates against `schema`: objects get every property (required ones at least),
 * strings respect length, enum, const, common formats and simple patterns, numbers their bounds and
 * multipleOf. Covers the JSON Schema a structured-output client sends (zod-to-json-schema output
 * included), not every corner of the spec; a schema it cannot satisfy is an error, never a wrong value.
 */
export function valueForSchema(schema: Schema, next: () => number, root: Schema = schema, depth = 0): unknown {
  if (depth > 32) throw new Error('the JSON schema nests deeper than 32 levels');
  if ('const' in schema) return schema['const'];
  if (Array.isArray(schema['enum'])) return schema['enum'][0];
  if (typeof schema['$ref'] === 'string')
    return valueForSchema(resolveRef(root, schema['$ref']), next, root, depth + 1);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) {
      const preferred = options.find((option: Schema) => option['type'] !== 'null') ?? options[0];
      return valueForSchema(preferred as Schema, next, root, depth + 1);
    }
  }
  if (Array.isArray(schema['allOf'])) {
    const { allOf, ...rest } = schema;
    const parts = (allOf as Schema[]).map((part) =>
      typeof part['$ref'] === 'string' ? resolveRef(root, part['$ref']) : part,
    );
    return valueForSchema(mergeAllOf([rest, ...parts]), next, root, depth + 1);
  }
  switch (schemaType(schema)) {
    case 'object': {
      const properties = (schema['properties'] as Record<string, Schema>) ?? {};
      return Object.fromEntries(
        Object.entries(properties).map(([key, property]) => [key, valueForSchema(property, next, root, depth + 1)]),
      );
    }
    case 'array': {
      const items = (schema['items'] as Schema) ?? {};
      const min = Number(schema['minItems'] ?? 1);
      const max = Number(schema['maxItems'] ?? Math.max(min, 2));
      const length = Math.max(min, Math.min(max, min + Math.floor(next() * 2)));
      return Array.from({ length }, () => valueForSchema(items, next, root, depth + 1));
    }
    case 'integer':
      return numberFor(schema, next, true);
    case 'number':
      return numberFor(schema, next, false);
    case 'boolean':
      return next() < 0.5;
    case 'null':
      return null;
    default:
      return stringFor(schema, next);
  }
}

/** The type a schema asks for: its own, the first non-null of a list, or the one its keywords imply. */
function schemaType(schema: Schema): string {
  const type = schema['type'];
  if (Array.isArray(type)) return (type as string[]).find((candidate) => candidate !== 'null') ?? 'null';
  if (typeof type === 'string') return type;
  if (schema['properties']) return 'object';
  if (schema['items']) return 'array';
  if (['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'].some((key) => key in schema)) {
    return 'number';
  }
  return 'string';
}

const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems'];
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems'];

/** allOf as one schema: properties and required are joined, and of two bounds the stricter is kept. */
function mergeAllOf(parts: Schema[]): Schema {
  const merged: Schema = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      const current = merged[key];
      if (key === 'properties') merged[key] = { ...(current as Schema), ...(value as Schema) };
      else if (key === 'required') merged[key] = [...((current as string[]) ?? []), ...(value as string[])];
      else if (LOWER_BOUNDS.includes(key) && typeof current === 'number')
        merged[key] = Math.max(current, Number(value));
      else if (UPPER_BOUNDS.includes(key) && typeof current === 'number')
        merged[key] = Math.min(current, Number(value));
      else merged[key] = value;
    }
  }
  return merged;
}

/** Draft 4 spells exclusive bounds as booleans beside minimum/maximum; later drafts as numbers. */
function bound(schema: Schema, side: 'min' | 'max'): { value: number; exclusive: boolean } | undefined {
  const [inclusiveKey, exclusiveKey] =
    side === 'min' ? ['minimum', 'exclusiveMinimum'] : ['maximum', 'exclusiveMaximum'];
  const inclusive = typeof schema[inclusiveKey] === 'number' ? (schema[inclusiveKey] as number) : undefined;
  const exclusive = schema[exclusiveKey];
  if (typeof exclusive === 'number') {
    const stricter = inclusive === undefined || (side === 'min' ? exclusive >= inclusive : exclusive <= inclusive);
    return stricter ? { value: exclusive, exclusive: true } : { value: inclusive, exclusive: false };
  }
  if (inclusive === undefined) return undefined;
  return { value: inclusive, exclusive: exclusive === true };
}

/** A number within the schema's bounds and multipleOf: a whole one whenever one fits. */
function numberFor(schema: Schema, next: () => number, integer: boolean): number {
  const low = bound(schema, 'min');
  const high = bound(schema, 'max');
  const multipleOf =
    typeof schema['multipleOf'] === 'number' && schema['multipleOf'] > 0 ? schema['multipleOf'] : undefined;
  const fits = (value: number) =>
    (!low || (low.exclusive ? value > low.value : value >= low.value)) &&
    (!high || (high.exclusive ? value < high.value : value <= high.value));
  // Candidates are the multiples of `unit` from the lower bound to the upper one (1000 apart when open).
  const unit = multipleOf ?? 1;
  let first = Math.ceil((low?.value ?? (high ? high.value - 1000 : 0)) / unit);
  let last = Math.floor((high?.value ?? (low ? low.value + 1000 : 1000)) / unit);
  if (!fits(first * unit)) first += 1;
  if (!fits(last * unit)) last -= 1;
  for (let attempt = 0; attempt < 20 && first <= last; attempt += 1) {
    const value = (first + Math.floor(next() * (last - first + 1))) * unit;
    if (fits(value) && (!integer || Number.isInteger(value))) return value;
  }
  if (!integer && !multipleOf && low && high) {
    const middle = (low.value + high.value) / 2;
    if (fits(middle)) return middle;
  }
  throw new Error(`no ${integer ? 'integer' : 'number'} satisfies ${JSON.stringify(schema)}`);
}

function stringFor(schema: Schema, next: () => number): string {
  switch (schema['format']) {
    case 'date':
      return '2026-12-31';
    case 'date-time':
      return '2026-12-31T09:00:00Z';
    case 'email':
      return 'client@example.org';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
  }
  const min = Number(schema['minLength'] ?? (typeof schema['pattern'] === 'string' ? 0 : 1));
  const max = Number(schema['maxLength'] ?? (typeof schema['pattern'] === 'string' ? Number.POSITIVE_INFINITY : 40));
  if (typeof schema['pattern'] === 'string')
    return textForPattern(schema['pattern'], next, { minLength: min, maxLength: max });
  let text = '';
  for (let i = 0; text.length < Math.min(min + 12, max); i += 1) text += wordAt(next, i);
  while (text.length < min) text += 'x';
  return text.slice(0, max);
}

function resolveRef(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`only local $ref values are supported, got ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    node = (node as Schema | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  if (!node || typeof node !== 'object') throw new Error(`$ref ${ref} points at nothing`);
  return node as Schema;
}
