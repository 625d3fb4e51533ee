import { chooseLicences, isForbiddenLicence, licencesIn } from './licence-expression';

const allowed = new Set(['MIT', 'Apache-2.0', 'BSD-3-Clause', 'GPL-3.0-only']);

describe(chooseLicences.name, () => {
  it.each([
    ['MIT', ['MIT']],
    ['(MIT OR GPL-3.0-or-later)', ['MIT']],
    ['(GPL-3.0-or-later OR Apache-2.0)', ['Apache-2.0']],
    ['Apache-2.0 AND MIT', ['Apache-2.0', 'MIT']],
    ['(Apache-2.0 AND BSD-3-Clause) or MIT', ['Apache-2.0', 'BSD-3-Clause']],
  ])('complies with %s through %j', (expression, expected) => {
    expect(chooseLicences(expression, allowed)).toEqual(expected);
  });

  it.each([
    'LGPL-3.0-or-later',
    'MIT AND LGPL-3.0-or-later',
    'GPL-3.0-only',
    'GPL-2.0-only WITH Classpath-exception-2.0',
    'BSD',
    'SEE LICENSE IN LICENSE.md',
    '(MIT',
  ])('finds no allowed way to comply with %s (GPL never, even when listed)', (expression) => {
    expect(chooseLicences(expression, allowed)).toBeUndefined();
  });
});

describe(isForbiddenLicence.name, () => {
  it('forbids GPL and AGPL of any version, not LGPL', () => {
    expect(['GPL-2.0', 'GPL-3.0-or-later', 'AGPL-3.0-only', 'GPL-2.0+', 'AGPL'].every(isForbiddenLicence)).toBe(true);
    expect(['LGPL-3.0-or-later', 'MIT', 'LGPL-2.1-only'].some(isForbiddenLicence)).toBe(false);
  });
});

describe(licencesIn.name, () => {
  it('lists every licence named, exceptions kept with theirs', () => {
    expect(licencesIn('(MIT OR GPL-2.0-only WITH Classpath-exception-2.0) AND Zlib')).toEqual([
      'MIT',
      'GPL-2.0-only WITH Classpath-exception-2.0',
      'Zlib',
    ]);
  });
});
