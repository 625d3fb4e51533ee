// Runs a TypeScript script with the workspace's path aliases (@rma/*), compiled on the fly by
// SWC (already a dev dependency): `node tools/scripts/ts-run.cjs <script>.ts [args]`.
// Used for benchmarks and for worker processes that tests start.
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { join, resolve } = require('node:path');
const { transformSync } = require('@swc/core');

const root = join(__dirname, '..', '..');
const { paths } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const alias = paths[request]?.[0];
  return resolveFilename.call(this, alias ? join(root, alias) : request, ...rest);
};

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    // Dynamic import() stays native, so scripts can load the plain-ESM helpers in tools/servers.
    module: { type: 'commonjs', ignoreDynamic: true },
  });
  module._compile(code, filename);
};

const [script, ...args] = process.argv.slice(2);
if (!script) {
  process.stderr.write('usage: node tools/scripts/ts-run.cjs <script.ts> [args]\n');
  process.exit(2);
}
process.argv = [process.argv[0], resolve(script), ...args];
require(resolve(script));
