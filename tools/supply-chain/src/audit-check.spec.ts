import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditException } from './audit-allowlist';
import { AuditUnavailableError, checkAudit, formatAuditReport, parseAuditOutput } from './audit-check';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
const findings = parseAuditOutput(fixture('npm-audit.json'));
const now = new Date('2027-01-10T12:00:00Z');
const devServerException: AuditException = {
  advisory: 'GHSA-qwcr-r2fm-qrc7',
  path: 'node_modules/webpack-dev-server/node_modules/body-parser',
  reason: 'dev server only; never serves untrusted input',
  expires: '2027-03-01',
};

describe(parseAuditOutput.name, () => {
  it('gives one finding per advisory and installed path, not for packages only affected through another', () => {
    expect(findings.map((f) => `${f.advisory} ${f.severity} ${f.path}`)).toEqual([
      'GHSA-qwcr-r2fm-qrc7 high node_modules/body-parser',
      'GHSA-qwcr-r2fm-qrc7 high node_modules/webpack-dev-server/node_modules/body-parser',
      'GHSA-pxg6-pf52-xh8x low node_modules/cookie',
    ]);
  });

  it("fails with the registry's answer when npm audit gets no report", () => {
    expect(() => parseAuditOutput(fixture('npm-audit-unavailable.json'))).toThrow(AuditUnavailableError);
    expect(() => parseAuditOutput(fixture('npm-audit-unavailable.json'))).toThrow(
      'npm audit could not check the dependencies: 405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
    );
    expect(() => parseAuditOutput('', 'npm error code ENOTFOUND')).toThrow(
      /no JSON report \(npm error code ENOTFOUND\)/,
    );
  });
});

describe(checkAudit.name, () => {
  it('fails on a high advisory, only where no entry allows it; low ones are reported, not failing', () => {
    const sut = checkAudit({ findings, allowlist: [devServerException], now, level: 'high' });

    expect(sut.ok).toBe(false);
    expect(sut.failing.map((f) => f.path)).toEqual(['node_modules/body-parser']);
    expect(sut.allowed.map((a) => a.finding.path)).toEqual([devServerException.path]);
    expect(sut.below.map((f) => f.name)).toEqual(['cookie']);
    expect(formatAuditReport(sut, 'audit-allowlist.json')).toContain(
      'audit: FAIL GHSA-qwcr-r2fm-qrc7 high body-parser (node_modules/body-parser)',
    );
  });

  it('passes when every high advisory is allowed', () => {
    const both = [devServerException, { ...devServerException, path: 'node_modules/body-parser' }];

    expect(checkAudit({ findings, allowlist: both, now, level: 'high' }).ok).toBe(true);
    expect(checkAudit({ findings, allowlist: both, now, level: 'low' }).failing.map((f) => f.name)).toEqual(['cookie']);
  });

  it('fails on an expired entry, even one that matches nothing any more', () => {
    const expired = { ...devServerException, expires: '2027-01-09' };

    const sut = checkAudit({ findings: [], allowlist: [expired], now, level: 'high' });

    expect(sut.ok).toBe(false);
    expect(sut.expired).toEqual([expired]);
    expect(formatAuditReport(sut, 'audit-allowlist.json')).toContain(
      'audit: FAIL allowlist entry expired on 2027-01-09',
    );
    expect(checkAudit({ findings, allowlist: [expired], now, level: 'high' }).failing).toHaveLength(2);
  });

  it('reports an entry that matches nothing so it can be removed', () => {
    const fixed = { ...devServerException, advisory: 'GHSA-xxxx-xxxx-xxxx' };

    const sut = checkAudit({ findings, allowlist: [fixed], now, level: 'critical' });

    expect(sut.ok).toBe(true);
    expect(sut.stale).toEqual([fixed]);
    expect(formatAuditReport(sut, 'audit-allowlist.json')).toContain(
      'audit: allowlist entry matches nothing now, remove it from audit-allowlist.json: GHSA-xxxx-xxxx-xxxx',
    );
  });
});
