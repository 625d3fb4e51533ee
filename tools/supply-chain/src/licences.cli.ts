// `node tools/scripts/ts-run.cjs tools/supply-chain/src/licences.cli.ts`: checks the licences of every
// service image's production dependencies against licence-allowlist.json; exits 1 on any package outside it.
import { join } from 'node:path';
import { readLicenceAllowlist } from './licence-allowlist';
import { checkLicences, formatLicenceReport } from './licence-check';
import { readLockfile } from './lockfile';
import { loadServiceImages, workspaceRoot } from './service-images';

const allowlistFile = 'tools/supply-chain/licence-allowlist.json';
try {
  const report = checkLicences(
    loadServiceImages({ lock: readLockfile(join(workspaceRoot, 'package-lock.json')) }),
    readLicenceAllowlist(join(workspaceRoot, allowlistFile)),
  );
  process.stdout.write(`${formatLicenceReport(report, allowlistFile)}\n`);
  process.exitCode = report.ok ? 0 : 1;
} catch (error) {
  // A bad allowlist or an app not built yet: the reason, without a stack.
  process.stdout.write(`licences: FAIL ${(error as Error).message}\n`);
  process.exitCode = 1;
}
