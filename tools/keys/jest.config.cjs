module.exports = {
  displayName: 'keys',
  preset: '../../jest.preset.js',
  globals: { rmaTestServers: ['redis'] },
  coverageDirectory: '../../coverage/tools/keys',
};
