module.exports = {
  displayName: 'local-llm',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/local-llm',
};
