import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InstalledPackage } from './lockfile';

/** The parts of a CycloneDX JSON document this script reads and writes. */
export interface CycloneDxBom {
  bomFormat: 'CycloneDX';
  specVersion: string;
  metadata: { component?: CycloneDxComponent; [key: string]: unknown };
  components: CycloneDxComponent[];
  dependencies?: { ref: string; dependsOn?: string[] }[];
  [key: string]: unknown;
}

export interface CycloneDxComponent {
  'bom-ref': string;
  name: string;
  group?: string;
  version?: string;
  purl?: string;
  properties?: { name: string; value: string }[];
  [key: string]: unknown;
}

export const SPEC_VERSION = '1.6';

/**
 * The workspace's SBOM from package-lock.json alone (no node_modules, no network) by
 * @cyclonedx/cyclonedx-npm: every package, dev tools included (marked `cdx:npm:package:development`),
 * one flat list, without timestamp or serial number so that the same lockfile gives the same file.
 */
export function workspaceSbom(root: string, outFile: string): CycloneDxBom {
  // A direct dev dependency, so npm installs it at the top; its `exports` hide bin/ and package.json.
  const tool = join(root, 'node_modules', '@cyclonedx', 'cyclonedx-npm');
  const { bin } = JSON.parse(readFileSync(join(tool, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const cli = join(tool, bin['cyclonedx-npm']);
  const args = [
    cli,
    '--package-lock-only',
    '--flatten-components',
    '--output-reproducible',
    '--validate',
    '--spec-version',
    SPEC_VERSION,
    '--output-format',
    'JSON',
    '--output-file',
    outFile,
  ];
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) {
    throw new Error(`cyclonedx-npm failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`);
  }
  return JSON.parse(readFileSync(outFile, 'utf8')) as CycloneDxBom;
}

const pathOf = (c: CycloneDxComponent) => c.properties?.find((p) => p.name === 'cdx:npm:package:path')?.value;

/**
 * One image's SBOM, cut from the workspace's: the components installed by the image (`packages`, from its
 * production closure), their dependency graph, and the app as the subject.
 */
export function imageSbom(options: {
  workspace: CycloneDxBom;
  app: string;
  version: string;
  packages: readonly InstalledPackage[];
  direct: readonly string[];
}): CycloneDxBom {
  const { workspace, app, version } = options;
  const byPath = new Map(options.packages.map((p) => [p.path, p]));
  const paths = new Set(byPath.keys());
  const components = workspace.components
    .filter((c) => paths.has(pathOf(c) ?? ''))
    .map((c) => {
      // The lockfile leaves out licences declared the old way (`licenses: [{type}]`), so cyclonedx-npm
      // reading it alone has none for them; the licence check read them from the installed package.
      const licence = byPath.get(pathOf(c) ?? '')?.licence;
      const known = Array.isArray(c['licenses']) && (c['licenses'] as unknown[]).length > 0;
      return known || !licence ? c : { ...c, licenses: [{ expression: licence, acknowledgement: 'declared' }] };
    });
  const missing = [...paths].filter((p) => !components.some((c) => pathOf(c) === p));
  if (missing.length) throw new Error(`${app}: packages missing from the workspace SBOM: ${missing.join(', ')}`);
  const refs = new Set(components.map((c) => c['bom-ref']));
  const appRef = `${app}@${version}`;
  const directPaths = new Set(options.direct.map((name) => `node_modules/${name}`));
  return {
    ...workspace,
    metadata: {
      ...workspace.metadata,
      component: { type: 'application', name: app, version, 'bom-ref': appRef },
    },
    components,
    dependencies: [
      {
        ref: appRef,
        dependsOn: components.filter((c) => directPaths.has(pathOf(c) ?? '')).map((c) => c['bom-ref']),
      },
      ...(workspace.dependencies ?? [])
        .filter((d) => refs.has(d.ref))
        .map((d) => ({ ref: d.ref, dependsOn: (d.dependsOn ?? []).filter((r) => refs.has(r)) })),
    ],
  };
}

type SbomValidator = { validate(json: string): Promise<unknown> };
const validators = new Map<string, SbomValidator>();

/** Validates a document against the CycloneDX 1.6 JSON schema; the list of errors, empty when valid. */
export async function validateSbom(bom: CycloneDxBom, root: string): Promise<unknown[]> {
  let validator = validators.get(root);
  if (!validator) {
    // The library cyclonedx-npm validates with (the version its lockfile entry pins), with its bundled
    // schemas; one validator, since compiling the schema is most of the time.
    const npmTool = join(root, 'node_modules', '@cyclonedx', 'cyclonedx-npm');
    const library = require(require.resolve('@cyclonedx/cyclonedx-library', { paths: [npmTool] })) as {
      Spec: { Version: Record<string, unknown> };
      Validation: { JsonStrictValidator: new (version: unknown) => SbomValidator };
    };
    validator = new library.Validation.JsonStrictValidator(library.Spec.Version['v1dot6']);
    validators.set(root, validator);
  }
  const errors = await validator.validate(JSON.stringify(bom));
  return errors === null ? [] : Array.isArray(errors) ? errors : [errors];
}

export function writeJson(file: string, value: unknown): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}
