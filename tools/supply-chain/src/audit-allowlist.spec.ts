import { join } from 'node:path';
import { isExpired, parseAuditAllowlist, readAuditAllowlist } from './audit-allowlist';
import { AllowlistError } from './licence-allowlist';
import { workspaceRoot } from './service-images';

const today = new Date('2027-01-10T12:00:00Z');
const entry = {
  advisory: 'GHSA-qwcr-r2fm-qrc7',
  path: 'node_modules/webpack-dev-server/node_modules/body-parser',
  reason: 'dev server only; never serves untrusted input',
  expires: '2027-03-01',
};
const parse = (advisories: unknown[]) => parseAuditAllowlist({ advisories }, { today, file: 'audit-allowlist.json' });

describe(parseAuditAllowlist.name, () => {
  it('reads a complete entry', () => {
    expect(parse([entry])).toEqual([entry]);
  });

  it.each([
    ['reason', { ...entry, reason: undefined }, /`reason` must say why the advisory does not affect us/],
    ['reason', { ...entry, reason: 'n/a' }, /`reason` must say why/],
    ['expiry', { ...entry, expires: undefined }, /`expires` must be a date, YYYY-MM-DD/],
    ['expiry', { ...entry, expires: '2027-02-30' }, /`expires` must be a date/],
    ['expiry', { ...entry, expires: '2028-01-01' }, /more than 180 days away/],
    ['path', { ...entry, path: 'body-parser' }, /`path` must be the installed path/],
    ['advisory id', { ...entry, advisory: 'body-parser DoS' }, /`advisory` must be a GHSA id/],
  ])('refuses an entry with no valid %s', (_field, bad, message) => {
    expect(() => parse([bad])).toThrow(AllowlistError);
    expect(() => parse([bad])).toThrow(message);
  });

  it('refuses a file without the list, and the same advisory twice for one path', () => {
    expect(() => parseAuditAllowlist({}, { today })).toThrow(/`advisories` must be a list/);
    expect(() => parse([entry, entry])).toThrow(/listed twice/);
  });

  it('accepts the workspace allowlist', () => {
    expect(() =>
      readAuditAllowlist(join(workspaceRoot, 'tools/supply-chain/audit-allowlist.json'), new Date()),
    ).not.toThrow();
  });
});

describe(isExpired.name, () => {
  it('holds through its last day (UTC) and expires after it', () => {
    expect(isExpired(entry, new Date('2027-03-01T23:59:59Z'))).toBe(false);
    expect(isExpired(entry, new Date('2027-03-02T00:00:00Z'))).toBe(true);
  });
});
