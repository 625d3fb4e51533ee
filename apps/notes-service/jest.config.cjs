module.exports = {
  displayName: 'notes-service',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/notes-service',
};
