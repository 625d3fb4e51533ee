import { random } from './sim-text';
import { textForPattern } from './pattern-text';

describe('textForPattern', () => {
  it.each([
    '^\\d{4}-\\d{2}-\\d{2}$',
    '^[a-z][a-z0-9_]{2,8}$',
    '^(yes|no|maybe)$',
    '^[^@\\s]+@example\\.org$',
    'IVA',
    '^\\w+( \\w+)*$',
    '^[A-Z]{2}[0-9]{6}[A-D]?$',
  ])('writes strings that match %s', (pattern) => {
    for (let seed = 1; seed <= 30; seed += 1) {
      const sut = textForPattern(pattern, random(seed));

      expect([sut, new RegExp(pattern, 'u').test(sut)]).toEqual([sut, true]);
    }
  });

  it('stays within the length bounds it is given', () => {
    const sut = textForPattern('^[a-z]+$', random(3), { minLength: 3, maxLength: 4 });

    expect(sut).toMatch(/^[a-z]{3,4}$/);
  });

  it.each(['^(a)\\1$', '^(?=a)a$', '^a{2$'])('refuses %s instead of guessing', (pattern) => {
    expect(() => textForPattern(pattern, random(1))).toThrow(/pattern/);
  });
});
