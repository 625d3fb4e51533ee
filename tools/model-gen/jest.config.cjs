module.exports = {
  displayName: 'model-gen',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/tools/model-gen',
};
