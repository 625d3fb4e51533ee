import { spawnSync } from 'node:child_process';
import { AuditException, isExpired } from './audit-allowlist';

export const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One advisory against one installed package, as npm audit reports it. */
export interface AuditFinding {
  readonly advisory: string;
  readonly severity: Severity;
  readonly name: string;
  readonly path: string;
  readonly title: string;
  readonly url: string;
}

/** npm audit gave no report (the registry's audit endpoint refused or could not be reached). */
export class AuditUnavailableError extends Error {
  constructor(reason: string) {
    super(`npm audit could not check the dependencies: ${reason}`);
    this.name = 'AuditUnavailableError';
  }
}

interface AuditJson {
  auditReportVersion?: number;
  vulnerabilities?: Record<
    string,
    {
      name: string;
      nodes?: string[];
      via?: (string | { source?: number; name?: string; title?: string; url?: string; severity?: Severity })[];
    }
  >;
  message?: string;
  error?: { summary?: string; detail?: string; code?: string };
}

/** The findings in `npm audit --json` output (report version 2, npm 7 and later). */
export function parseAuditOutput(stdout: string, stderr = ''): AuditFinding[] {
  let report: AuditJson;
  try {
    report = JSON.parse(stdout) as AuditJson;
  } catch {
    throw new AuditUnavailableError(`no JSON report (${(stderr || stdout).trim().split('\n')[0] || 'no output'})`);
  }
  if (report.auditReportVersion !== 2 || !report.vulnerabilities) {
    const reason = report.message ?? report.error?.summary ?? report.error?.code ?? 'no audit report in the output';
    throw new AuditUnavailableError(reason);
  }
  const findings: AuditFinding[] = [];
  for (const vulnerability of Object.values(report.vulnerabilities)) {
    for (const via of vulnerability.via ?? []) {
      // A string names the vulnerable dependency this package is affected through; that dependency has
      // its own entry, with the advisory.
      if (typeof via === 'string') continue;
      const ghsa = via.url?.match(/GHSA(-[a-z0-9]{4}){3}/i)?.[0];
      for (const path of vulnerability.nodes ?? []) {
        findings.push({
          advisory: ghsa ?? String(via.source),
          severity: via.severity ?? 'critical',
          name: via.name ?? vulnerability.name,
          path,
          title: via.title ?? '',
          url: via.url ?? '',
        });
      }
    }
  }
  return findings;
}

export interface AuditReport {
  readonly ok: boolean;
  /** At or above the level and not allowed. */
  readonly failing: AuditFinding[];
  /** Below the level: reported, not failing. */
  readonly below: AuditFinding[];
  readonly allowed: { finding: AuditFinding; exception: AuditException }[];
  /** Past their expiry: fail until reviewed (renewed with a new date, or removed once fixed). */
  readonly expired: AuditException[];
  /** Match no finding any more: remove them. */
  readonly stale: AuditException[];
}

const matches = (e: AuditException, f: AuditFinding) =>
  e.path === f.path && e.advisory.toLowerCase() === f.advisory.toLowerCase();

/** Applies the allowlist and the level (npm audit's --audit-level) to the findings. */
export function checkAudit(options: {
  findings: readonly AuditFinding[];
  allowlist: readonly AuditException[];
  now: Date;
  level: Severity;
}): AuditReport {
  const { findings, allowlist, now } = options;
  const level = SEVERITIES.indexOf(options.level);
  const expired = allowlist.filter((e) => isExpired(e, now));
  const failing: AuditFinding[] = [];
  const below: AuditFinding[] = [];
  const allowed: AuditReport['allowed'] = [];
  for (const finding of findings) {
    const exception = allowlist.find((e) => matches(e, finding) && !isExpired(e, now));
    if (exception) allowed.push({ finding, exception });
    else if (SEVERITIES.indexOf(finding.severity) >= level) failing.push(finding);
    else below.push(finding);
  }
  const stale = allowlist.filter((e) => !findings.some((f) => matches(e, f)));
  return { ok: failing.length === 0 && expired.length === 0, failing, below, allowed, expired, stale };
}

/** Runs `npm audit --json` in `cwd` (every dependency, dev tools included: they run in CI). */
export function runNpmAudit(cwd: string, timeoutMs = 120_000): AuditFinding[] {
  const result = spawnSync('npm', ['audit', '--json'], { cwd, encoding: 'utf8', timeout: timeoutMs });
  if (result.error) throw new AuditUnavailableError(result.error.message);
  return parseAuditOutput(result.stdout, result.stderr);
}

const describeFinding = (f: AuditFinding) =>
  `${f.advisory} ${f.severity} ${f.name} (${f.path}): ${f.title} ${f.url}`.trim();

export function formatAuditReport(report: AuditReport, allowlistFile: string): string {
  const lines: string[] = [];
  for (const { finding } of report.allowed) lines.push(`audit: allowed until its expiry: ${describeFinding(finding)}`);
  for (const f of report.below) lines.push(`audit: below the level, not failing: ${describeFinding(f)}`);
  for (const e of report.stale) {
    lines.push(`audit: allowlist entry matches nothing now, remove it from ${allowlistFile}: ${e.advisory} ${e.path}`);
  }
  for (const e of report.expired) {
    lines.push(
      `audit: FAIL allowlist entry expired on ${e.expires}: ${e.advisory} ${e.path}: review it in ${allowlistFile}`,
    );
  }
  for (const f of report.failing) lines.push(`audit: FAIL ${describeFinding(f)}`);
  lines.push(
    report.ok
      ? `audit: ok (${report.allowed.length} allowed, ${report.below.length} below the level)`
      : `audit: ${report.failing.length + report.expired.length} problems`,
  );
  return lines.join('\n');
}
