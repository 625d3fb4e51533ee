import { ApiKeyStore } from '@rma/service-core';
import { Redis } from 'ioredis';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The CLI as `npm run keys` runs it, against a real Redis; the stored keys read back by the store the guard uses.
const workspaceRoot = join(__dirname, '..', '..', '..');
const redisUrl = `${process.env['RMA_TEST_REDIS_URL'] as string}/10`;

function keys(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    [join(workspaceRoot, 'tools/scripts/ts-run.cjs'), join(workspaceRoot, 'tools/keys/src/keys.cli.ts'), ...args],
    { cwd: workspaceRoot, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', REDIS_URL: redisUrl } },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run keys', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(redisUrl);
    await redis.flushdb();
  });
  afterAll(() => redis.quit());

  it('creates a key, printing it once, that the store verifies; lists it by id only; revokes it', async () => {
    const created = keys('create', '--org', 'acme', '--scopes', 'ask,letters', '--label', 'front end');
    const key = created.stdout.trim();
    const keyId = /^rma_([0-9a-f]{12})_/.exec(key)?.[1] as string;

    expect(created.status).toBe(0);
    expect(key).toMatch(/^rma_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain(`Created key ${keyId} for organisation acme with scopes ask, letters`);
    expect(await new ApiKeyStore(redis).find(keyId)).toMatchObject({
      organisation: 'acme',
      scopes: ['ask', 'letters'],
    });

    const listed = keys('list');
    expect(listed.stdout).toContain(`${keyId}\tacme\task,letters\t`);
    expect(listed.stdout).toContain('front end');
    expect(listed.stdout).not.toContain(key.slice(17));

    expect(keys('revoke', keyId).status).toBe(0);
    expect(await new ApiKeyStore(redis).find(keyId)).toBeNull();
    expect(keys('revoke', keyId)).toMatchObject({
      status: 1,
      stderr: expect.stringContaining(`No key with id ${keyId}`),
    });
  });

  it('refuses an unknown scope, a missing organisation and an unknown command, saying what to change', () => {
    expect(keys('create', '--org', 'acme', '--scopes', 'ask,everything')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining(
        'scopes must be one or more of ask, letters, documents, eligibility, admin; unknown: everything',
      ),
    });
    expect(keys('create', '--scopes', 'ask')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('create needs --org and --scopes'),
    });
    expect(keys('rotate')).toMatchObject({ status: 2, stderr: expect.stringContaining('Usage: npm run keys') });
  });
});
