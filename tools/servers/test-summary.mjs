// Prints one closing line for a whole `npm test`: "N passed, N failed, N skipped", summed over the
// per-project results that tools/jest/results-reporter.cjs wrote. Exits 1 when a test failed or none ran.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'tmp/test-results';
const totals = { passed: 0, failed: 0, skipped: 0 };
const files = existsSync(dir)
  ? readdirSync(dir, { recursive: true }).filter((file) => String(file).endsWith('results.json'))
  : [];
for (const file of files) {
  const result = JSON.parse(readFileSync(join(dir, String(file)), 'utf8'));
  for (const key of Object.keys(totals)) totals[key] += result[key];
}
process.stdout.write(`\nTest projects: ${files.length}\n`);
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
