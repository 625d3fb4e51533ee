import { InstalledPackage } from './lockfile';
import { LicenceAllowlist, LicenceException } from './licence-allowlist';
import { chooseLicences, isForbiddenLicence, licencesIn } from './licence-expression';

/** What one image installs in production. */
export interface ImageDependencies {
  readonly app: string;
  readonly packages: readonly InstalledPackage[];
  /** Dependencies the lockfile does not hold: the image's own install would differ from what was checked. */
  readonly unresolved: readonly string[];
}

/** A package outside the allowlist, with every image that ships it. */
export interface LicenceViolation {
  readonly name: string;
  readonly version: string;
  readonly path: string;
  readonly licence: string | undefined;
  readonly forbidden: boolean;
  readonly apps: string[];
}

export interface LicenceReport {
  readonly ok: boolean;
  readonly perApp: { app: string; packages: number }[];
  /** Distinct packages (name@version) across the images. */
  readonly packages: number;
  /** Packages per licence complied with (an OR expression counts under the alternative chosen). */
  readonly byLicence: Record<string, number>;
  readonly violations: LicenceViolation[];
  readonly exceptionsUsed: { exception: LicenceException; packages: string[] }[];
  /** Exceptions no package needs any more: remove them. */
  readonly staleExceptions: LicenceException[];
  readonly unresolved: string[];
}

/** Checks every production package of every image against the allowlist. */
export function checkLicences(images: readonly ImageDependencies[], allowlist: LicenceAllowlist): LicenceReport {
  const violations = new Map<string, LicenceViolation>();
  const used = new Map<LicenceException, Set<string>>();
  const counted = new Map<string, string>();
  for (const image of images) {
    for (const pkg of image.packages) {
      const id = `${pkg.name}@${pkg.version}`;
      const chosen = pkg.licence === undefined ? undefined : chooseLicences(pkg.licence, allowlist.licences);
      if (chosen) {
        counted.set(id, chosen.join(' AND '));
        continue;
      }
      const exception = allowlist.exceptions.find((e) => e.package === pkg.name && e.licence === pkg.licence);
      if (exception) {
        used.set(exception, (used.get(exception) ?? new Set()).add(id));
        counted.set(id, `${pkg.licence} (exception)`);
        continue;
      }
      const key = `${id}|${pkg.path}`;
      const known = violations.get(key);
      if (known) known.apps.push(image.app);
      else
        violations.set(key, {
          name: pkg.name,
          version: pkg.version,
          path: pkg.path,
          licence: pkg.licence,
          forbidden: pkg.licence !== undefined && licencesIn(pkg.licence).some(isForbiddenLicence),
          apps: [image.app],
        });
    }
  }
  const byLicence: Record<string, number> = {};
  for (const licence of counted.values()) byLicence[licence] = (byLicence[licence] ?? 0) + 1;
  const unresolved = images.flatMap((i) => i.unresolved.map((u) => `${i.app}: ${u}`));
  return {
    ok: violations.size === 0 && unresolved.length === 0,
    perApp: images.map((i) => ({ app: i.app, packages: i.packages.length })),
    packages: counted.size + new Set([...violations.values()].map((v) => `${v.name}@${v.version}`)).size,
    byLicence,
    violations: [...violations.values()].sort((a, b) => a.path.localeCompare(b.path)),
    exceptionsUsed: [...used].map(([exception, ids]) => ({ exception, packages: [...ids].sort() })),
    staleExceptions: allowlist.exceptions.filter((e) => !used.has(e)),
    unresolved,
  };
}

/** The report as people read it in CI's log. */
export function formatLicenceReport(report: LicenceReport, allowlistFile: string): string {
  const lines = [
    `licences: ${report.packages} production packages in ${report.perApp.length} images (${report.perApp
      .map((a) => `${a.app} ${a.packages}`)
      .join(', ')})`,
    `licences: ${Object.entries(report.byLicence)
      .sort((a, b) => b[1] - a[1])
      .map(([licence, count]) => `${licence} ${count}`)
      .join(', ')}`,
  ];
  for (const { exception, packages } of report.exceptionsUsed) {
    lines.push(
      `licences: allowed by exception (reason in ${allowlistFile}): ${packages.join(', ')} (${exception.licence})`,
    );
  }
  for (const exception of report.staleExceptions) {
    lines.push(
      `licences: exception no longer needed, remove it from ${allowlistFile}: ${exception.package} (${exception.licence})`,
    );
  }
  for (const v of report.violations) {
    const licence = v.licence ?? 'no licence declared';
    const verdict = v.forbidden ? 'GPL/AGPL, never allowed: replace it' : `not in ${allowlistFile}`;
    lines.push(
      `licences: FAIL ${v.name}@${v.version} (${v.path}) is ${licence}, shipped by ${v.apps.join(', ')}: ${verdict}`,
    );
  }
  for (const u of report.unresolved) lines.push(`licences: FAIL not in the lockfile: ${u}`);
  lines.push(report.ok ? 'licences: ok' : `licences: ${report.violations.length + report.unresolved.length} problems`);
  return lines.join('\n');
}
