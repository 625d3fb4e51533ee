module.exports = {
  displayName: 'bench',
  preset: '../../jest.preset.js',
  // The CLI spec starts its own simulated engine; no shared servers (not even Redis) are needed.
  globals: { rmaTestServers: [] },
  coverageDirectory: '../../coverage/tools/bench',
};
