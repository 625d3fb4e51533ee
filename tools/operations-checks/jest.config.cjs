module.exports = {
  displayName: 'operations-checks',
  preset: '../../jest.preset.js',
  // The monitoring and image specs start services that share this project's Redis (database 0 and its
  // queues): one spec file at a time.
  maxWorkers: 1,
  // The monitoring spec starts the services (from dist/) and two local-llm processes itself, on a Redis of
  // this project's own and the shared Chroma.
  globals: { rmaTestServers: ['redis', 'chroma'] },
  coverageDirectory: '../../coverage/tools/operations-checks',
};
