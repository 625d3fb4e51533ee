import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = join(__dirname, 'cli.ts');

/** Runs the CLI as users do: Node 24 strips the types, no build step. */
function run(args: string[]) {
  const result = spawnSync(process.execPath, ['--disable-warning=MODULE_TYPELESS_PACKAGE_JSON', cli, ...args], {
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cli.ts', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'model-gen-cli-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a model and prints one line of JSON; a second run keeps the file unless --force', () => {
    const out = join(dir, 'tiny.gguf');

    const first = run(['--preset', 'tiny', '--seed', '5', '--out', out]);
    const second = run(['--preset', 'tiny', '--seed', '5', '--out', out]);
    const forced = run(['--preset', 'tiny', '--seed', '5', '--out', out, '--force']);

    expect(first.status).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]);
    expect(report).toEqual({
      path: out,
      bytes: readFileSync(out).length,
      parameters: 157_760,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      ms: expect.any(Number),
      generated: true,
    });
    expect(JSON.parse(second.stdout)).toMatchObject({ generated: false, sha256: report.sha256 });
    expect(JSON.parse(forced.stdout)).toMatchObject({ generated: true, sha256: report.sha256 });
  });

  it('writes a different file without the guard', () => {
    const guarded = run(['--preset', 'tiny', '--out', join(dir, 'g.gguf')]);
    const unguarded = run(['--preset', 'tiny', '--out', join(dir, 'u.gguf'), '--no-eog-guard']);

    expect(JSON.parse(unguarded.stdout).sha256).not.toBe(JSON.parse(guarded.stdout).sha256);
  });

  it.each([
    [[], /--preset is required; use one of: tiny, medium/],
    [['--preset', 'huge'], /unknown preset "huge"; use one of: tiny, medium/],
    [['--preset', 'tiny', '--seed', 'abc'], /--seed must be an integer from 0 to 4294967295/],
    [['--preset', 'tiny', '--seed', '4294967296'], /--seed must be an integer/],
    [['--preset', 'tiny', '--out', ''], /--out must be a file path/],
    [['--preset', 'tiny', '--colour'], /Unknown option '--colour'/],
    [['--preset', 'tiny', 'extra'], /Unexpected argument 'extra'|positional/],
  ])('exits with 2 and says what to change for %j', (args, message) => {
    const sut = run(args);

    expect(sut.status).toBe(2);
    expect(sut.stderr).toMatch(message);
    expect(sut.stderr).toContain('usage: node tools/model-gen/src/cli.ts');
    expect(sut.stdout).toBe('');
  });
});
