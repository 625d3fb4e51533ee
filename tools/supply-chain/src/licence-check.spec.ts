import { join } from 'node:path';
import { parseLicenceAllowlist } from './licence-allowlist';
import { checkLicences, formatLicenceReport, ImageDependencies } from './licence-check';
import { productionClosure, readLockfile } from './lockfile';

const lock = readLockfile(join(__dirname, 'fixtures', 'lockfile.json'));
const image = (app: string, dependencies: string[]): ImageDependencies => ({
  app,
  ...productionClosure({ lock, dependencies }),
});
const permissive = { licences: ['MIT', 'ISC', 'Apache-2.0', 'BSD-3-Clause'] };

describe(checkLicences.name, () => {
  it('fails an image that ships a GPL package, and one with no licence declared, naming each', () => {
    const sut = checkLicences(
      [image('api', ['web-framework', 'peer-user']), image('worker', ['web-framework'])],
      parseLicenceAllowlist(permissive),
    );

    expect(sut.ok).toBe(false);
    expect(sut.violations).toEqual([
      expect.objectContaining({
        name: 'copyleft-parser',
        licence: 'GPL-3.0-only',
        forbidden: true,
        apps: ['api', 'worker'],
      }),
      expect.objectContaining({ name: 'peer-core', licence: undefined, forbidden: false, apps: ['api'] }),
    ]);
    expect(formatLicenceReport(sut, 'allowlist.json')).toContain(
      'licences: FAIL copyleft-parser@1.4.2 (node_modules/copyleft-parser) is GPL-3.0-only, shipped by api, worker: GPL/AGPL, never allowed',
    );
  });

  it('passes a dual-licensed package under its allowed alternative and an LGPL one under its reviewed exception', () => {
    const exception = {
      package: 'native-addon-linux-x64',
      licence: 'LGPL-3.0-or-later',
      reason: 'a shared library, replaceable',
    };
    const stale = { package: 'gone', licence: 'MPL-2.0', reason: 'was needed by an old version' };

    const sut = checkLicences(
      [image('api', ['native-addon', 'peer-user']), { app: 'cli', packages: [], unresolved: [] }],
      parseLicenceAllowlist({ ...permissive, packages: [exception, stale] }),
    );

    expect(sut.violations.map((v) => v.name)).toEqual(['peer-core']);
    expect(sut.exceptionsUsed).toEqual([{ exception, packages: ['native-addon-linux-x64@1.0.0'] }]);
    expect(sut.staleExceptions).toEqual([stale]);
    expect(formatLicenceReport(sut, 'allowlist.json')).toContain(
      'exception no longer needed, remove it from allowlist.json: gone',
    );
  });

  it('refuses an exception once the package changes licence', () => {
    const sut = checkLicences(
      [image('api', ['native-addon'])],
      parseLicenceAllowlist({
        ...permissive,
        packages: [
          { package: 'native-addon-linux-x64', licence: 'LGPL-2.1-only', reason: 'reviewed for the old licence' },
        ],
      }),
    );

    expect(sut.ok).toBe(false);
    expect(sut.violations.map((v) => `${v.name} ${v.licence}`)).toEqual(['native-addon-linux-x64 LGPL-3.0-or-later']);
  });

  it('fails when a dependency is not in the lockfile', () => {
    expect(checkLicences([image('api', ['left-pad'])], parseLicenceAllowlist(permissive)).ok).toBe(false);
  });
});
