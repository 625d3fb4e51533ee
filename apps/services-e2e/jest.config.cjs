module.exports = {
  displayName: 'services-e2e',
  preset: '../../jest.preset.js',
  // Its spec files share out one Redis's databases (a Redis of the project's own): one file at a time.
  maxWorkers: 1,
  globals: { rmaTestServers: ['redis', 'llm', 'chroma'] },
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  coverageDirectory: '../../coverage/apps/services-e2e',
};
