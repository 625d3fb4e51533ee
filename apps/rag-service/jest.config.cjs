module.exports = {
  displayName: 'rag-service',
  preset: '../../jest.preset.js',
  // Its spec files share out one Redis's databases (a Redis of the project's own): one file at a time.
  maxWorkers: 1,
  // local-llm must be built: the tests start their own on the simulated engine.
  globals: { rmaTestServers: ['redis', 'chroma'] },
  coverageDirectory: '../../coverage/apps/rag-service',
};
