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
  ])('makes a value that validates against %s', (_case, schema) => {
    const sut = valueForSchema(schema, random(1));

    const ajv = addFormats(new Ajv({ strict: false }));

    expect(ajv.validate(schema, sut)).toBe(true);
  });
});
