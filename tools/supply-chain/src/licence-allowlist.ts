import { readFileSync } from 'node:fs';
import { isForbiddenLicence, licencesIn } from './licence-expression';

/** One package allowed despite a licence outside the list, after review. */
export interface LicenceException {
  /** The package name; every version, as long as its declared licence stays `licence`. */
  readonly package: string;
  /** The licence exactly as the package declares it; a change of licence needs a new review. */
  readonly licence: string;
  /** Why shipping it is acceptable (what the licence asks and how the images meet it). */
  readonly reason: string;
}

export interface LicenceAllowlist {
  /** SPDX ids any production dependency may carry. */
  readonly licences: ReadonlySet<string>;
  readonly exceptions: readonly LicenceException[];
}

export class AllowlistError extends Error {
  constructor(file: string, problems: string[]) {
    super(`${file} is not a valid allowlist:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AllowlistError';
  }
}

export const MIN_REASON_LENGTH = 20;

/** Validates the licence allowlist; every problem is listed at once, and a GPL or AGPL entry is one. */
export function parseLicenceAllowlist(json: unknown, file = 'licence allowlist'): LicenceAllowlist {
  const problems: string[] = [];
  const doc = (json ?? {}) as { licences?: unknown; packages?: unknown };
  const licences = Array.isArray(doc.licences) ? doc.licences : [];
  if (!Array.isArray(doc.licences) || licences.some((l) => typeof l !== 'string' || !l.trim())) {
    problems.push('`licences` must be a list of SPDX ids');
  }
  for (const licence of licences.filter((l): l is string => typeof l === 'string')) {
    if (isForbiddenLicence(licence)) problems.push(`\`licences\` lists ${licence}: GPL and AGPL are never allowed`);
  }
  const entries = doc.packages === undefined ? [] : doc.packages;
  if (!Array.isArray(entries)) problems.push('`packages` must be a list');
  const exceptions: LicenceException[] = [];
  const seen = new Set<string>();
  (Array.isArray(entries) ? entries : []).forEach((raw: Record<string, unknown>, index) => {
    const where = `packages[${index}]${typeof raw?.['package'] === 'string' ? ` (${raw['package']})` : ''}`;
    const text = (key: string) => (typeof raw?.[key] === 'string' ? (raw[key] as string).trim() : '');
    const entry = { package: text('package'), licence: text('licence'), reason: text('reason') };
    const before = problems.length;
    if (!entry.package) problems.push(`${where}: \`package\` (the package name) is missing`);
    if (!entry.licence) problems.push(`${where}: \`licence\` (as the package declares it) is missing`);
    if (entry.reason.length < MIN_REASON_LENGTH) {
      problems.push(`${where}: \`reason\` must say why shipping it is acceptable (${MIN_REASON_LENGTH}+ characters)`);
    }
    if (entry.licence && licencesIn(entry.licence).some(isForbiddenLicence)) {
      problems.push(`${where}: ${entry.licence} names GPL or AGPL, which the images never ship`);
    }
    const key = `${entry.package}|${entry.licence}`;
    if (seen.has(key)) problems.push(`${where}: listed twice`);
    seen.add(key);
    if (problems.length === before) exceptions.push(entry);
  });
  if (problems.length) throw new AllowlistError(file, problems);
  return { licences: new Set(licences as string[]), exceptions };
}

export function readLicenceAllowlist(file: string): LicenceAllowlist {
  return parseLicenceAllowlist(JSON.parse(readFileSync(file, 'utf8')), file);
}
