import { join } from 'node:path';
import { readLicenceAllowlist } from './licence-allowlist';
import { checkLicences, formatLicenceReport } from './licence-check';
import { readLockfile } from './lockfile';
import { loadServiceImages, serviceApps, workspaceRoot } from './service-images';

// The real check, on the workspace: what `npm test` runs (tools/supply-chain/src/licences.cli.ts prints the
// same report). The apps' builds (dist/apps/*/package.json) come first: this project depends on them.

const lock = readLockfile(join(workspaceRoot, 'package-lock.json'));

describe('the service images', () => {
  it('are the apps docker/Dockerfile builds: those with a prune-lockfile target', () => {
    expect(serviceApps()).toEqual(['doc-processor', 'generation-worker', 'notes-service', 'rag-service']);
  });

  it('ship only production dependencies whose licences are allowed, and no allowlist entry is unused', () => {
    const report = checkLicences(
      loadServiceImages({ lock }),
      readLicenceAllowlist(join(workspaceRoot, 'tools/supply-chain/licence-allowlist.json')),
    );
    const problems = formatLicenceReport(report, 'tools/supply-chain/licence-allowlist.json')
      .split('\n')
      .filter((line) => /FAIL|no longer needed/.test(line));

    expect(problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('leave out what only development needs', () => {
    const names = new Set(loadServiceImages({ lock }).flatMap((image) => image.packages.map((p) => p.name)));

    expect(names.has('@nestjs/core')).toBe(true);
    for (const devOnly of ['jest', 'nx', 'webpack', 'node-llama-cpp', '@cyclonedx/cyclonedx-npm']) {
      expect(names.has(devOnly)).toBe(false);
    }
  });
});
