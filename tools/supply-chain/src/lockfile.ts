import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One entry of package-lock.json (lockfileVersion 2 or 3) `packages`, keyed by its install path. */
export interface LockedPackage {
  readonly version?: string;
  readonly license?: string | { type?: string };
  readonly link?: boolean;
  readonly resolved?: string;
  readonly dev?: boolean;
  readonly optional?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  readonly os?: string[];
  readonly cpu?: string[];
  readonly libc?: string[];
}

export interface Lockfile {
  readonly lockfileVersion: number;
  readonly packages: Record<string, LockedPackage>;
}

/** A platform an image is built for; npm skips packages whose os, cpu or libc exclude it. */
export interface Platform {
  readonly os: string;
  readonly cpu: string;
  readonly libc: string;
}

/**
 * The service images: docker/Dockerfile's runtime stage is node:*-bookworm-slim (Debian, glibc), built
 * for the host's architecture (GPU hosts are x64; arm64 for ARM hosts).
 */
export const IMAGE_PLATFORMS: readonly Platform[] = Object.freeze([
  { os: 'linux', cpu: 'x64', libc: 'glibc' },
  { os: 'linux', cpu: 'arm64', libc: 'glibc' },
]);

/** A package that a production install puts on disk, with where it sits and why. */
export interface InstalledPackage {
  readonly path: string;
  readonly name: string;
  readonly version: string;
  /** The declared licence (an SPDX expression), or undefined when the package declares none. */
  readonly licence: string | undefined;
}

export function readLockfile(file: string): Lockfile {
  const lock = JSON.parse(readFileSync(file, 'utf8')) as Lockfile;
  if (!lock.packages || (lock.lockfileVersion ?? 0) < 2) {
    throw new Error(`${file}: lockfileVersion 2 or 3 expected (npm 7 or later), got ${lock.lockfileVersion}`);
  }
  return lock;
}

/** The package name an install path holds (`node_modules/a/node_modules/@s/b` holds `@s/b`), or '' for none. */
export function packageName(path: string): string {
  const at = path.lastIndexOf('node_modules/');
  return at < 0 ? '' : path.slice(at + 'node_modules/'.length);
}

// npm's (and Node's) lookup: node_modules beside the requiring package, then each enclosing one.
function resolve(lock: Lockfile, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

function installableOn(entry: LockedPackage, platforms: readonly Platform[]): boolean {
  // npm-install-checks' rule: a `!value` excludes; otherwise any positive entries must name the value.
  const allows = (list: string[] | undefined, value: string) => {
    if (!list?.length) return true;
    if (list.includes(`!${value}`)) return false;
    const positives = list.filter((v) => !v.startsWith('!'));
    return positives.length === 0 || positives.includes(value) || positives.includes('any');
  };
  return platforms.some((p) => allows(entry.os, p.os) && allows(entry.cpu, p.cpu) && allows(entry.libc, p.libc));
}

// Older packages declare `licenses: [{type}]` or `license: {type}`, which npm leaves out of the lockfile:
// the installed package.json, when there is one, says what they are.
function declaredLicence(entry: LockedPackage, installedManifest: string | undefined): string | undefined {
  if (typeof entry.license === 'string') return entry.license;
  if (entry.license?.type) return entry.license.type;
  if (!installedManifest || !existsSync(installedManifest)) return undefined;
  const manifest = JSON.parse(readFileSync(installedManifest, 'utf8')) as {
    license?: string | { type?: string };
    licenses?: { type?: string }[];
  };
  if (typeof manifest.license === 'string') return manifest.license;
  if (manifest.license?.type) return manifest.license.type;
  const types = (manifest.licenses ?? []).map((l) => l.type).filter((t): t is string => !!t);
  return types.length ? (types.length === 1 ? types[0] : `(${types.join(' OR ')})`) : undefined;
}

/**
 * Every package a production install of `dependencies` (names, resolved from the workspace root as npm
 * would) puts on disk for one of `platforms`: dependencies, optional dependencies that fit the platform,
 * and required peers, followed through the lockfile. `installRoot`, when given, is where node_modules is
 * installed, to read licences the lockfile does not carry.
 */
export function productionClosure(options: {
  lock: Lockfile;
  dependencies: readonly string[];
  platforms?: readonly Platform[];
  installRoot?: string;
}): { packages: InstalledPackage[]; unresolved: string[] } {
  const { lock, platforms = IMAGE_PLATFORMS, installRoot } = options;
  const seen = new Map<string, InstalledPackage>();
  const unresolved: string[] = [];
  const queue: { from: string; name: string; required: boolean }[] = options.dependencies.map((name) => ({
    from: '',
    name,
    required: true,
  }));
  while (queue.length) {
    const { from, name, required } = queue.shift() as (typeof queue)[number];
    let path = resolve(lock, from, name);
    if (!path) {
      if (required) unresolved.push(`${name} (needed by ${from || 'the app'})`);
      continue;
    }
    let entry = lock.packages[path];
    if (entry.link && entry.resolved !== undefined) {
      path = entry.resolved;
      entry = lock.packages[path] ?? entry;
    }
    if (seen.has(path) || !installableOn(entry, platforms)) continue;
    seen.set(path, {
      path,
      name: packageName(path) || name,
      version: entry.version ?? '0.0.0',
      licence: declaredLicence(entry, installRoot ? join(installRoot, path, 'package.json') : undefined),
    });
    for (const dep of Object.keys(entry.dependencies ?? {})) queue.push({ from: path, name: dep, required: true });
    for (const dep of Object.keys(entry.optionalDependencies ?? {}))
      queue.push({ from: path, name: dep, required: false });
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      if (!entry.peerDependenciesMeta?.[dep]?.optional) queue.push({ from: path, name: dep, required: true });
    }
  }
  return { packages: [...seen.values()].sort((a, b) => a.path.localeCompare(b.path)), unresolved };
}
