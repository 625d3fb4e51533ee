import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ImageDependencies } from './licence-check';
import { Lockfile, Platform, productionClosure } from './lockfile';

/** The workspace root (tools/supply-chain/src is three levels down). */
export const workspaceRoot = join(__dirname, '..', '..', '..');

/**
 * The apps docker/Dockerfile builds into images: those with a `prune-lockfile` target. Each build writes
 * dist/apps/<app>/package.json listing what its bundle needs at run time (workspace libraries are in the
 * bundle), and the image installs that with `npm ci --omit=dev`: those are an image's production
 * dependencies, not the root package.json's `dependencies`, which also hold what only development uses
 * (node-llama-cpp for apps/local-llm).
 */
export function serviceApps(root = workspaceRoot): string[] {
  return readdirSync(join(root, 'apps'))
    .filter((app) => {
      const project = join(root, 'apps', app, 'project.json');
      if (!existsSync(project)) return false;
      const targets = (JSON.parse(readFileSync(project, 'utf8')) as { targets?: Record<string, unknown> }).targets;
      return !!targets?.['prune-lockfile'];
    })
    .sort();
}

/** The dependencies the app's build output lists (what its image installs). */
export function imageDependencies(app: string, root = workspaceRoot): { name: string; version: string }[] {
  const manifest = join(root, 'dist', 'apps', app, 'package.json');
  if (!existsSync(manifest)) {
    throw new Error(`${manifest} is missing: build the app first (npx nx run-many -t build -p ${app})`);
  }
  const { dependencies = {} } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return Object.entries(dependencies).map(([name, version]) => ({ name, version }));
}

/**
 * Each service image's production packages, from the workspace lockfile (the apps' own lockfiles are cut
 * from it by the build). A dependency whose version differs from the lockfile's is reported as unresolved.
 */
export function loadServiceImages(options: {
  lock: Lockfile;
  root?: string;
  platforms?: readonly Platform[];
}): ImageDependencies[] {
  const root = options.root ?? workspaceRoot;
  return serviceApps(root).map((app) => {
    const dependencies = imageDependencies(app, root);
    const mismatched = dependencies
      .filter(({ name, version }) => options.lock.packages[`node_modules/${name}`]?.version !== version)
      .map(
        ({ name, version }) =>
          `${name}@${version} (the lockfile has ${options.lock.packages[`node_modules/${name}`]?.version ?? 'none'})`,
      );
    const closure = productionClosure({
      lock: options.lock,
      dependencies: dependencies.map((d) => d.name),
      platforms: options.platforms,
      installRoot: root,
    });
    return { app, packages: closure.packages, unresolved: [...mismatched, ...closure.unresolved] };
  });
}
