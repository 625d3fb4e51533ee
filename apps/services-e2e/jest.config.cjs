module.exports = {
  displayName: 'services-e2e',
  preset: '../../jest.preset.js',
  globals: { rmaTestServers: ['redis', 'llm', 'chroma'] },
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  coverageDirectory: '../../coverage/apps/services-e2e',
};
