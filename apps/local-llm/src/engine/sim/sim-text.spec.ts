import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { countTokens, embed, random, splitIntoTokens, valueForSchema } from './sim-text';

const cosine = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * b[i], 0);

describe('sim text', () => {
  it('counts words and punctuation as tokens, and splits text into pieces that join back exactly', () => {
    const text = 'You owe £1,250.50 to British Gas; pay by 31 Dec.';

    expect(countTokens(text)).toBe(splitIntoTokens(text).length);
    expect(splitIntoTokens(text).join('')).toBe(text);
    expect(countTokens('hello, world')).toBe(3);
  });

  it('embeds identical texts identically and texts that share words closer than texts that share none', () => {
    const rent = embed('rent arrears and eviction', 256);
    const again = embed('rent arrears and eviction', 256);
    const related = embed('rent arrears letter', 256);
    const unrelated = embed('car finance agreement', 256);

    expect(cosine(rent, again)).toBeCloseTo(1, 10);
    expect(cosine(rent, related)).toBeGreaterThan(cosine(rent, unrelated));
    expect(Math.hypot(...rent)).toBeCloseTo(1, 10);
  });

  it.each([
    [
      'an object with bounds and formats',
      {
        type: 'object',
        properties: {
          creditor: { type: 'string', minLength: 3, maxLength: 12 },
          amount: { type: 'number', minimum: 10, maximum: 20 },
          count: { type: 'integer', exclusiveMinimum: 0 },
          priority: { type: 'boolean' },
          due: { type: 'string', format: 'date' },
          kind: { enum: ['council_tax', 'rent'] },
          tags: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 3 },
          note: { anyOf: [{ type: 'null' }, { type: 'string' }] },
        },
        required: ['creditor', 'amount', 'count', 'priority', 'due', 'kind', 'tags', 'note'],
        additionalProperties: false,
      },
    ],
    [
      'references to definitions',
      {
        $defs: { debt: { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] } },
        type: 'object',
        properties: { debts: { type: 'array', items: { $ref: '#/$defs/debt' } } },
        required: ['debts'],
      },
    ],
    ['an integer below zero only', { type: 'integer', maximum: -5 }],
    [
      'a number between exclusive bounds with no integer inside',
      { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    ],
    ['an integer multiple within bounds', { type: 'integer', minimum: 18, maximum: 120, multipleOf: 7 }],
    ['a string made of allOf parts', { allOf: [{ type: 'string', minLength: 4 }, { maxLength: 6 }] }],
    [
      'an object made of allOf parts',
      { allOf: [{ properties: { a: { type: 'integer', minimum: 3 } } }, { required: ['a'] }] },
    ],
    ['a pattern with classes, groups and counts', { type: 'string', pattern: '^[A-CEGHJ-PR-TW-Z]{2}\\d{6}[A-D]$' }],
    [
      'a pattern with alternation and escapes',
      { type: 'string', pattern: '^(GB|IE)-\\d{2,4}(\\.\\d+)?$', maxLength: 12 },
    ],
  ])('makes a value that validates against %s', (_case, schema) => {
    const ajv = addFormats(new Ajv({ strict: false }));

    for (let seed = 1; seed <= 20; seed += 1) {
      const sut = valueForSchema(schema, random(seed));

      expect([seed, ajv.validate(schema, sut), ajv.errors]).toEqual([seed, true, null]);
    }
  });

  it('reads a draft-4 exclusive bound (a boolean beside minimum)', () => {
    expect(valueForSchema({ type: 'integer', minimum: 18, exclusiveMinimum: true, maximum: 19 }, random(1))).toBe(19);
  });

  it('keeps an integer within its minimum and maximum across many draws', () => {
    const schema = { type: 'integer', minimum: 18, maximum: 120 };

    const drawn = Array.from({ length: 500 }, (_, seed) => valueForSchema(schema, random(seed)) as number);

    expect(drawn.every((value) => Number.isInteger(value) && value >= 18 && value <= 120)).toBe(true);
    // Both ends are reachable, not only the inside of the range.
    expect(new Set(drawn).size).toBeGreaterThan(50);
  });

  it.each([
    ['bounds that leave no integer', { type: 'integer', minimum: 5, maximum: 4 }],
    ['a pattern beyond its support', { type: 'string', pattern: '^(a)\\1$' }],
  ])('refuses %s rather than break the schema', (_case, schema) => {
    expect(() => valueForSchema(schema, random(1))).toThrow();
  });
});
