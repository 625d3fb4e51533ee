// `node tools/scripts/ts-run.cjs tools/supply-chain/src/audit.cli.ts`: `npm audit` at level high against
// audit-allowlist.json. Exits 1 on a high or critical advisory not allowed or an expired entry, and 2 when
// npm audit gives no report (the registry's audit endpoint unreachable): "not run", never a pass.
import { join } from 'node:path';
import { AuditException, readAuditAllowlist } from './audit-allowlist';
import { AuditUnavailableError, checkAudit, formatAuditReport, runNpmAudit } from './audit-check';
import { workspaceRoot } from './service-images';

const allowlistFile = 'tools/supply-chain/audit-allowlist.json';
const now = new Date();
let allowlist: AuditException[] = [];
try {
  allowlist = readAuditAllowlist(join(workspaceRoot, allowlistFile), now);
} catch (error) {
  process.stdout.write(`audit: FAIL ${(error as Error).message}\n`);
  process.exit(1);
}
try {
  const report = checkAudit({ findings: runNpmAudit(workspaceRoot), allowlist, now, level: 'high' });
  process.stdout.write(`${formatAuditReport(report, allowlistFile)}\n`);
  process.exitCode = report.ok ? 0 : 1;
} catch (error) {
  if (!(error instanceof AuditUnavailableError)) throw error;
  // Expired entries still count: they are due for review whatever the registry says.
  const expired = checkAudit({ findings: [], allowlist, now, level: 'high' }).expired;
  const lines = [
    `audit: NOT RUN ${error.message}`,
    'audit: NOT RUN no advisories were checked, so this is not a pass; run it where the registry answers npm audit',
    ...expired.map((e) => `audit: FAIL allowlist entry expired on ${e.expires}: ${e.advisory} ${e.path}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = expired.length > 0 ? 1 : 2;
}
