module.exports = {
  displayName: 'generation-queue',
  preset: '../../jest.preset.js',
  globals: { rmaTestServers: ['redis'] },
  // The queue's Redis keys are shared by name: its test files run one after another.
  maxWorkers: 1,
  testTimeout: 60_000,
  coverageDirectory: '../../coverage/libs/generation-queue',
};
