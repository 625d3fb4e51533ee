import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLockfile } from './lockfile';
import { CycloneDxBom, imageSbom, validateSbom } from './sbom';
import { loadServiceImages, serviceApps, workspaceRoot } from './service-images';

// Runs the SBOM script as CI does (cyclonedx-npm on the lockfile, offline) into a folder of its own.

describe('sbom.cli.ts', () => {
  const out = mkdtempSync(join(tmpdir(), 'rma-sbom-'));
  const read = (file: string) => JSON.parse(readFileSync(join(out, file), 'utf8')) as CycloneDxBom;
  let stdout = '';

  beforeAll(() => {
    stdout = execFileSync(
      process.execPath,
      [
        join(workspaceRoot, 'tools/scripts/ts-run.cjs'),
        join(workspaceRoot, 'tools/supply-chain/src/sbom.cli.ts'),
        '--out',
        out,
      ],
      { cwd: workspaceRoot, encoding: 'utf8', timeout: 120_000 },
    );
  }, 150_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes a valid CycloneDX 1.6 SBOM of the whole workspace, dev tools marked', async () => {
    const sut = read('workspace.cdx.json');

    expect(sut.bomFormat).toBe('CycloneDX');
    expect(sut.specVersion).toBe('1.6');
    expect(await validateSbom(sut, workspaceRoot)).toEqual([]);
    const jest = sut.components.find((c) => c.purl?.startsWith('pkg:npm/jest@'));
    expect(jest?.properties).toContainEqual({ name: 'cdx:npm:package:development', value: 'true' });
    expect(stdout).toContain(`workspace.cdx.json: ${sut.components.length} components`);
  });

  it.each(serviceApps())('writes a valid SBOM of the %s image: its production packages and no others', async (app) => {
    const image = loadServiceImages({ lock: readLockfile(join(workspaceRoot, 'package-lock.json')) }).find(
      (i) => i.app === app,
    );

    const sut = read(`${app}.cdx.json`);

    expect(await validateSbom(sut, workspaceRoot)).toEqual([]);
    expect(sut.metadata.component).toMatchObject({ type: 'application', name: app });
    expect(sut.components.map((c) => c.purl).sort()).toEqual(
      image?.packages.map((p) => `pkg:npm/${p.name.replace('@', '%40')}@${p.version}`).sort(),
    );
    expect(sut.components.every((c) => Array.isArray(c['licenses']) && (c['licenses'] as unknown[]).length > 0)).toBe(
      true,
    );
    const refs = new Set(sut.components.map((c) => c['bom-ref']));
    expect(sut.dependencies?.every((d) => (d.dependsOn ?? []).every((ref) => refs.has(ref)))).toBe(true);
  });
});

describe(imageSbom.name, () => {
  it('refuses an image package the workspace SBOM lacks', () => {
    const workspace = { bomFormat: 'CycloneDX', specVersion: '1.6', metadata: {}, components: [] } as CycloneDxBom;

    expect(() =>
      imageSbom({
        workspace,
        app: 'api',
        version: '1.0.0',
        packages: [{ path: 'node_modules/left-pad', name: 'left-pad', version: '1.3.0', licence: 'WTFPL' }],
        direct: ['left-pad'],
      }),
    ).toThrow('api: packages missing from the workspace SBOM: node_modules/left-pad');
  });
});
