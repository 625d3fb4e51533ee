import { BadRequestException } from '@nestjs/common';
import { JsonDepthPipe, MAX_BODY_DEPTH } from './json-depth.pipe';

function nested(depth: number): unknown {
  let value: unknown = { leaf: true };
  for (let level = 1; level < depth; level += 1) value = { child: value };
  return value;
}

describe(JsonDepthPipe.name, () => {
  const sut = new JsonDepthPipe();

  it('passes a body at the depth limit through unchanged', () => {
    const body = nested(MAX_BODY_DEPTH);

    expect(sut.transform(body, { type: 'body' })).toBe(body);
  });

  it('refuses a body one level deeper with a 400 that says what to change', () => {
    expect(() => sut.transform(nested(MAX_BODY_DEPTH + 1), { type: 'body' })).toThrow(BadRequestException);
    expect(() => sut.transform(nested(MAX_BODY_DEPTH + 1), { type: 'body' })).toThrow(/deeper than 32 levels/);
  });

  it('refuses a hostile body of 100,000 levels without overflowing the stack', () => {
    expect(() => sut.transform(nested(100_000), { type: 'body' })).toThrow(BadRequestException);
  });

  it('leaves query parameters alone', () => {
    const query = nested(MAX_BODY_DEPTH + 5);

    expect(sut.transform(query, { type: 'query' })).toBe(query);
  });
});
