module.exports = {
  displayName: 'doc-processor',
  preset: '../../jest.preset.js',
  // local-llm must be built: the integration tests start their own on the simulated engine.
  globals: { rmaTestServers: ['redis'] },
  // Reader children (OCR) are CPU-bound: test files one after another, so their timings stay sane on 2 cores.
  maxWorkers: 1,
  testTimeout: 90_000,
  coverageDirectory: '../../coverage/apps/doc-processor',
};
