module.exports = {
  displayName: 'chaos',
  preset: '../../jest.preset.js',
  // Each scenario starts its own Redis, Chroma, local-llm and services (it kills and freezes them): no
  // shared test server, and one scenario at a time on the CI machine's two cores.
  globals: { rmaTestServers: [] },
  maxWorkers: 1,
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  coverageDirectory: '../../coverage/tools/chaos',
};
