module.exports = {
  displayName: 'workspace-checks',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/tools/workspace-checks',
};
