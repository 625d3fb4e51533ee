module.exports = {
  displayName: 'llm-provider',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/llm-provider',
};
