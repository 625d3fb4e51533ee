import { join } from 'node:path';
import { AllowlistError, parseLicenceAllowlist, readLicenceAllowlist } from './licence-allowlist';
import { workspaceRoot } from './service-images';

const lgpl = {
  package: 'native-addon-linux-x64',
  licence: 'LGPL-3.0-or-later',
  reason: 'loaded as a replaceable shared library',
};

describe(parseLicenceAllowlist.name, () => {
  it('reads licences and reviewed exceptions', () => {
    const sut = parseLicenceAllowlist({ licences: ['MIT'], packages: [lgpl] });

    expect([...sut.licences]).toEqual(['MIT']);
    expect(sut.exceptions).toEqual([lgpl]);
  });

  it('refuses an exception without a reason, naming it', () => {
    expect(() => parseLicenceAllowlist({ licences: ['MIT'], packages: [{ ...lgpl, reason: ' ' }] })).toThrow(
      /packages\[0\] \(native-addon-linux-x64\): `reason` must say why/,
    );
  });

  it('refuses GPL and AGPL in the list and in exceptions, and lists every problem at once', () => {
    const attempt = () =>
      parseLicenceAllowlist({
        licences: ['MIT', 'AGPL-3.0-only'],
        packages: [
          { ...lgpl, licence: '(GPL-3.0-only AND MIT)' },
          { package: 'x', reason: 'a reason long enough here' },
        ],
      });

    expect(attempt).toThrow(AllowlistError);
    expect(attempt).toThrow(/AGPL-3.0-only: GPL and AGPL are never allowed/);
    expect(attempt).toThrow(/\(GPL-3.0-only AND MIT\) names GPL or AGPL/);
    expect(attempt).toThrow(/packages\[1\] \(x\): `licence` .* is missing/);
  });

  it('accepts the workspace allowlist', () => {
    expect(
      readLicenceAllowlist(join(workspaceRoot, 'tools/supply-chain/licence-allowlist.json')).licences.size,
    ).toBeGreaterThan(0);
  });
});
