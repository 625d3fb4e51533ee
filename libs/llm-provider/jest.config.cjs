module.exports = {
  displayName: 'llm-provider',
  preset: '../../jest.preset.js',
  globals: { rmaTestServers: ['llm'] },
  // Test files share one local-llm; in parallel they would only queue behind each other.
  maxWorkers: 1,
  coverageDirectory: '../../coverage/libs/llm-provider',
};
