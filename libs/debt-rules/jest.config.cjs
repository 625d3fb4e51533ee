module.exports = {
  displayName: 'debt-rules',
  preset: '../../jest.preset.js',
  // Pure rules: an empty list tells tools/servers/global-setup.mjs to start no servers (no names means Redis).
  globals: { rmaTestServers: [] },
  coverageDirectory: '../../coverage/libs/debt-rules',
};
