const nxPreset = require('@nx/jest/preset').default;

// SWC instead of ts-jest: a fraction of the time on 2 cores. Decorator metadata is on because
// Nest's dependency injection reads it.
const swcTransform = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': swcTransform },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  // One shared set of real servers (Redis, ...) for a whole `npm test`; a lone `nx test <project>`
  // starts its own. See tools/servers.
  globalSetup: require.resolve('./tools/servers/global-setup.mjs'),
  globalTeardown: require.resolve('./tools/servers/global-teardown.mjs'),
  reporters: ['default', require.resolve('./tools/jest/results-reporter.cjs')],
  testTimeout: 30_000,
};
