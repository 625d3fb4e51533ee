module.exports = {
  displayName: 'local-llm-e2e',
  preset: '../../jest.preset.js',
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  globals: { rmaTestServers: ['llm'] },
  // One local-llm runs one generation per sequence; test files in parallel would only queue.
  maxWorkers: 1,
  coverageDirectory: '../../coverage/apps/local-llm-e2e',
};
