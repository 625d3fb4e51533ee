module.exports = {
  displayName: 'rag-service',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/rag-service',
};
