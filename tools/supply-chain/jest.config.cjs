module.exports = {
  displayName: 'supply-chain',
  preset: '../../jest.preset.js',
  // No servers: these tests read lockfiles, allowlists and npm's outputs.
  globals: { rmaTestServers: [] },
  coverageDirectory: '../../coverage/tools/supply-chain',
};
