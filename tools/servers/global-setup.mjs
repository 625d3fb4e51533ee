// Jest global setup: the real servers a project's tests need (its jest config names them in
// `globals.rmaTestServers`; Redis when it names none), unless the caller (tools/servers/with-test-servers.mjs)
// already started them and passed their URLs in the environment. Workers inherit process.env.
import { startTestServers } from './servers.mjs';

export default async function globalSetup(_globalConfig, projectConfig) {
  const names = projectConfig.globals?.rmaTestServers ?? ['redis'];
  // Services started by tests run without API keys unless a test sets AUTH_MODE=on (workers inherit this).
  process.env.AUTH_MODE ??= 'off';
  globalThis.__RMA_STOP_TEST_SERVERS__ = await startTestServers(process.env, names);
}
