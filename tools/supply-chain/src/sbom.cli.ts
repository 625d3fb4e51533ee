// `node tools/scripts/ts-run.cjs tools/supply-chain/src/sbom.cli.ts [--out DIR]`: CycloneDX JSON SBOMs,
// from package-lock.json alone: DIR/workspace.cdx.json (every package, dev tools marked) and
// DIR/<app>.cdx.json for each service image (its production packages). DIR defaults to dist/sbom.
import { join, relative, resolve } from 'node:path';
import { readLockfile } from './lockfile';
import { imageSbom, validateSbom, workspaceSbom, writeJson } from './sbom';
import { imageDependencies, loadServiceImages, workspaceRoot } from './service-images';
import { readFileSync } from 'node:fs';

async function main(): Promise<void> {
  const at = process.argv.indexOf('--out');
  const outDir = resolve(at > 0 ? process.argv[at + 1] : join(workspaceRoot, 'dist', 'sbom'));
  const workspaceFile = join(outDir, 'workspace.cdx.json');
  const workspace = workspaceSbom(workspaceRoot, workspaceFile);
  const lines = [`sbom: ${relative(process.cwd(), workspaceFile)}: ${workspace.components.length} components`];
  let ok = true;
  for (const image of loadServiceImages({ lock: readLockfile(join(workspaceRoot, 'package-lock.json')) })) {
    const manifest = JSON.parse(readFileSync(join(workspaceRoot, 'dist/apps', image.app, 'package.json'), 'utf8'));
    const bom = imageSbom({
      workspace,
      app: image.app,
      version: manifest.version ?? '0.0.0',
      packages: image.packages,
      direct: imageDependencies(image.app).map((d) => d.name),
    });
    const errors = await validateSbom(bom, workspaceRoot);
    const file = join(outDir, `${image.app}.cdx.json`);
    writeJson(file, bom);
    lines.push(
      `sbom: ${relative(process.cwd(), file)}: ${bom.components.length} components${errors.length ? ` INVALID: ${JSON.stringify(errors).slice(0, 500)}` : ''}`,
    );
    ok &&= errors.length === 0;
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = ok ? 0 : 1;
}

main().catch((error: Error) => {
  process.stdout.write(`sbom: FAIL ${error.message}\n`);
  process.exitCode = 1;
});
