module.exports = {
  displayName: 'rag-service',
  preset: '../../jest.preset.js',
  // local-llm must be built: the tests start their own on the simulated engine.
  globals: { rmaTestServers: ['redis', 'chroma'] },
  coverageDirectory: '../../coverage/apps/rag-service',
};
