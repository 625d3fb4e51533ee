import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { workspaceRoot } from './system';

// The CI form of the chaos suite (README, "Chaos suite"): scenarios 1, 2 and 5, smaller and shorter, with
// the full suite's goals. Each runs as its own process, as `nx run chaos:chaos` runs the full suite; a
// missed goal fails the test with the scenario's figures.
function runScenario(name: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        join(workspaceRoot, 'tools/scripts/ts-run.cjs'),
        join(workspaceRoot, 'tools/chaos/src/chaos.ts'),
        '--short',
        '--only',
        name,
      ],
      { cwd: workspaceRoot, maxBuffer: 16 * 1024 * 1024, timeout: 240_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error.code as number) ?? 1) : 0, output: `${stdout}\n${stderr}` }),
    );
  });
}

describe('chaos suite, short form', () => {
  it.each(['worker-kill', 'redis-outage', 'admission-burst'])(
    '%s meets every goal',
    async (name) => {
      const sut = await runScenario(name);
      // The figures, so that a CI log says what was missed and by how much.
      if (sut.code !== 0) console.log(sut.output);

      const missed = sut.output
        .split('\n')
        .filter((line) => line.includes('**missed**') || line.includes('did not finish'));
      expect({ missed, code: sut.code }).toEqual({ missed: [], code: 0 });
    },
    250_000,
  );
});
