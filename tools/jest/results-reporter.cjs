// Writes each Jest run's counts to tmp/test-results/<projectRoot>/results.json, a declared Nx output,
// so that `npm test` can print one total even when Nx replays a project's result from its cache.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const workspaceRoot = join(__dirname, '..', '..');

class ResultsReporter {
  constructor(globalConfig) {
    this.projectRoot = relative(workspaceRoot, globalConfig.rootDir);
  }

  onRunComplete(_contexts, results) {
    const dir = join(workspaceRoot, 'tmp', 'test-results', this.projectRoot);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'results.json'),
      JSON.stringify({
        project: this.projectRoot,
        passed: results.numPassedTests,
        failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
        skipped: results.numPendingTests + results.numTodoTests,
      }),
    );
  }
}

module.exports = ResultsReporter;
