import { join } from 'node:path';
import { IMAGE_PLATFORMS, packageName, productionClosure, readLockfile } from './lockfile';

const lock = readLockfile(join(__dirname, 'fixtures', 'lockfile.json'));
const closure = (dependencies: string[], platforms = IMAGE_PLATFORMS) =>
  productionClosure({ lock, dependencies, platforms });

describe(productionClosure.name, () => {
  it('follows dependencies as npm resolves them: a nested copy before the top-level one', () => {
    const sut = closure(['web-framework']);

    expect(sut.packages.map((p) => `${p.path}@${p.version}`)).toEqual([
      'node_modules/copyleft-parser@1.4.2',
      'node_modules/web-framework@1.0.0',
      'node_modules/web-framework/node_modules/helper@2.0.0',
    ]);
    expect(sut.packages.find((p) => p.name === 'helper')?.licence).toBe('(MIT OR GPL-3.0-or-later)');
  });

  it("keeps only the optional packages an image's platform installs, and skips those the lockfile lacks", () => {
    const sut = closure(['native-addon']);

    expect(sut.packages.map((p) => p.name)).toEqual(['native-addon', 'native-addon-linux-x64']);
    expect(sut.unresolved).toEqual([]);
    expect(closure(['native-addon'], [{ os: 'win32', cpu: 'x64', libc: 'glibc' }]).packages.map((p) => p.name)).toEqual(
      ['native-addon', 'native-addon-win32-x64'],
    );
  });

  it('installs required peers but not optional ones, and never what only dev dependencies need', () => {
    const sut = closure(['peer-user']);

    expect(sut.packages.map((p) => p.name)).toEqual(['peer-core', 'peer-user']);
    expect(closure(['web-framework', 'native-addon', 'peer-user']).packages.map((p) => p.name)).not.toContain(
      'test-runner',
    );
  });

  it('reports a dependency the lockfile does not hold', () => {
    expect(closure(['left-pad']).unresolved).toEqual(['left-pad (needed by the app)']);
  });
});

describe(packageName.name, () => {
  it('reads scoped and nested names', () => {
    expect(packageName('node_modules/a/node_modules/@scope/b')).toBe('@scope/b');
    expect(packageName('libs/shared')).toBe('');
  });
});
