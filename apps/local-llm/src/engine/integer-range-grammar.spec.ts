import { spliceIntegerRanges, withIntegerRangeSentinels } from './integer-range-grammar';

describe(withIntegerRangeSentinels.name, () => {
  it('replaces each bounded integer with a sentinel const, wherever it sits, and leaves the rest', () => {
    const schema = {
      type: 'object',
      properties: {
        age: { type: 'integer', minimum: 18, maximum: 120 },
        children: { type: 'array', items: { type: 'integer', minimum: 0 } },
        amount: { type: 'number', minimum: 0 },
        plain: { type: 'integer' },
        fixed: { const: { type: 'integer', minimum: 1 } },
      },
    };

    const sut = withIntegerRangeSentinels(schema);

    const properties = (sut.schema as { properties: Record<string, unknown> }).properties;
    expect(properties['age']).toEqual({ const: expect.any(Number) });
    expect((properties['children'] as { items: unknown }).items).toEqual({ const: expect.any(Number) });
    expect(properties['amount']).toEqual({ type: 'number', minimum: 0 });
    expect(properties['plain']).toEqual({ type: 'integer' });
    expect(properties['fixed']).toEqual({ const: { type: 'integer', minimum: 1 } });
    expect(sut.ranges.size).toBe(2);
  });

  it('picks sentinels the schema does not hold', () => {
    const sut = withIntegerRangeSentinels({ enum: [8_260_417_000_000], x: { type: 'integer', maximum: 3 } });

    expect([...sut.ranges.keys()]).not.toContain('"8260417000000"');
  });
});

describe(spliceIntegerRanges.name, () => {
  it('puts the range rule where the sentinel literal was', () => {
    const { ranges } = withIntegerRangeSentinels({ type: 'integer', minimum: 1, maximum: 3 });
    const [literal] = [...ranges.keys()];

    const sut = spliceIntegerRanges(`root ::= "{" val0 "}"\nval0 ::= ${literal}\n`, ranges);

    expect(sut).toBe('root ::= "{" val0 "}"\nval0 ::= ([1-3])\n');
  });
});
