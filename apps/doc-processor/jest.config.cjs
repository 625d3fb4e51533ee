module.exports = {
  displayName: 'doc-processor',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/doc-processor',
};
