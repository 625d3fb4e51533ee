module.exports = {
  displayName: 'generation-queue',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/generation-queue',
};
