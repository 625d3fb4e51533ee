// Prints the closing lines of `npm test` and exits 1 unless everything it expected ran and passed:
// - every Nx task (build, lint, typecheck, test, e2e), from the run records tools/scripts/test.sh copied
//   into the results directory (nx-run-*.json: Nx's own list of tasks and exit codes), so a lint or
//   type error is counted as a failure, not only a failed test;
// - the tests, summed over the per-project counts that tools/jest/results-reporter.cjs wrote (also
//   restored when Nx replays a project from its cache);
// - the projects listed in tools/scripts/test-projects.json: one that reported no passing test (its tests
//   vanished, or its task never ran) fails the run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const workspaceRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = process.argv[2] ?? 'tmp/test-results';
const expectedProjects = JSON.parse(
  readFileSync(join(workspaceRoot, 'tools/scripts/test-projects.json'), 'utf8'),
).projects;

const listed = existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String) : [];

const runRecords = listed.filter((file) => /^nx-run-[\w-]+\.json$/.test(file));
const records = runRecords.map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')));
const tasks = records.flatMap((record) => record.tasks);
const failedTasks = tasks.filter((task) => task.status !== 0).map((task) => task.taskId);

const totals = { passed: 0, failed: 0, skipped: 0 };
const passedByProject = new Map();
for (const file of listed.filter((name) => name.endsWith('results.json'))) {
  const result = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  for (const key of Object.keys(totals)) totals[key] += result[key];
  passedByProject.set(result.project, result.passed);
}
const silentProjects = expectedProjects.filter((project) => !(passedByProject.get(project) > 0));

const out = (line) => process.stdout.write(`${line}\n`);
out('');
for (const taskId of failedTasks) out(`Failed task: ${taskId}`);
if (!runRecords.includes('nx-run-checks.json')) out('  lint, typecheck, test and e2e did not run');
out(
  `Test projects: ${passedByProject.size} reported, ${silentProjects.length} of ${expectedProjects.length} expected did not`,
);
for (const project of silentProjects) out(`  no passing test reported: ${project}`);
out(
  `${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped; ` +
    `${failedTasks.length} of ${tasks.length} tasks failed`,
);

const ok =
  runRecords.includes('nx-run-checks.json') &&
  failedTasks.length === 0 &&
  totals.failed === 0 &&
  silentProjects.length === 0;
process.exit(ok ? 0 : 1);
