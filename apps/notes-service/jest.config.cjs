module.exports = {
  displayName: 'notes-service',
  preset: '../../jest.preset.js',
  // local-llm must be built: the tests start their own on the simulated engine.
  globals: { rmaTestServers: ['redis'] },
  coverageDirectory: '../../coverage/apps/notes-service',
};
