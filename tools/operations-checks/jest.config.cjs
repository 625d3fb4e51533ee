module.exports = {
  displayName: 'operations-checks',
  preset: '../../jest.preset.js',
  // The monitoring spec starts the services and local-llm processes itself on a Redis of this project's own.
  globals: { rmaTestServers: ['redis'] },
  coverageDirectory: '../../coverage/tools/operations-checks',
};
