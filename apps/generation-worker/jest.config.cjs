module.exports = {
  displayName: 'generation-worker',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/generation-worker',
};
