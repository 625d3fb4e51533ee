import { readFileSync } from 'node:fs';
import { AllowlistError, MIN_REASON_LENGTH } from './licence-allowlist';

/** One known advisory accepted for one installed package, until it expires. */
export interface AuditException {
  /** The advisory: its GitHub id (GHSA-xxxx-xxxx-xxxx) or npm's numeric id. */
  readonly advisory: string;
  /** Where the affected package is installed, as npm audit names it: `node_modules/a/node_modules/b`. */
  readonly path: string;
  /** Why the advisory does not affect RMA (the vulnerable code is never reached, the input never untrusted...). */
  readonly reason: string;
  /** The last day (YYYY-MM-DD, UTC) the exception holds; after it the check fails until it is reviewed again. */
  readonly expires: string;
}

/** An exception may run at most this long: it is a decision to look at again, not a permanent waiver. */
export const MAX_EXCEPTION_DAYS = 180;

const DAY_MS = 86_400_000;

/** Parses `YYYY-MM-DD` as a calendar date, or undefined for anything else (2027-02-30 included). */
export function parseDay(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const day = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== text ? undefined : day;
}

/**
 * Validates the audit allowlist: every entry names the advisory, the package path, a reason and an expiry
 * no more than MAX_EXCEPTION_DAYS after `today`; every problem is listed at once. Expired entries are
 * valid here: the check reports them as failures.
 */
export function parseAuditAllowlist(json: unknown, options: { today: Date; file?: string }): AuditException[] {
  const file = options.file ?? 'audit allowlist';
  const doc = (json ?? {}) as { advisories?: unknown };
  if (!Array.isArray(doc.advisories)) throw new AllowlistError(file, ['`advisories` must be a list (empty when none)']);
  const problems: string[] = [];
  const entries: AuditException[] = [];
  const seen = new Set<string>();
  doc.advisories.forEach((raw: Record<string, unknown>, index) => {
    const text = (key: string) => (typeof raw?.[key] === 'string' ? (raw[key] as string).trim() : '');
    const entry = { advisory: text('advisory'), path: text('path'), reason: text('reason'), expires: text('expires') };
    const where = `advisories[${index}]${entry.advisory ? ` (${entry.advisory})` : ''}`;
    const before = problems.length;
    if (!/^(GHSA(-[a-z0-9]{4}){3}|\d+)$/i.test(entry.advisory)) {
      problems.push(`${where}: \`advisory\` must be a GHSA id (GHSA-xxxx-xxxx-xxxx) or npm's numeric advisory id`);
    }
    if (!/^node_modules\/\S+$/.test(entry.path)) {
      problems.push(`${where}: \`path\` must be the installed path npm audit reports (node_modules/...)`);
    }
    if (entry.reason.length < MIN_REASON_LENGTH) {
      problems.push(
        `${where}: \`reason\` must say why the advisory does not affect us (${MIN_REASON_LENGTH}+ characters)`,
      );
    }
    const expires = parseDay(entry.expires);
    if (!expires) problems.push(`${where}: \`expires\` must be a date, YYYY-MM-DD`);
    else if (expires.getTime() - options.today.getTime() > MAX_EXCEPTION_DAYS * DAY_MS) {
      problems.push(`${where}: \`expires\` is more than ${MAX_EXCEPTION_DAYS} days away: review it again sooner`);
    }
    const key = `${entry.advisory}|${entry.path}`;
    if (seen.has(key)) problems.push(`${where}: listed twice for ${entry.path}`);
    seen.add(key);
    if (problems.length === before) entries.push(entry);
  });
  if (problems.length) throw new AllowlistError(file, problems);
  return entries;
}

export function readAuditAllowlist(file: string, today: Date): AuditException[] {
  return parseAuditAllowlist(JSON.parse(readFileSync(file, 'utf8')), { today, file });
}

/** True once the day after `expires` has begun (UTC). */
export function isExpired(exception: AuditException, now: Date): boolean {
  return now.getTime() >= (parseDay(exception.expires) as Date).getTime() + DAY_MS;
}
