// Jest global setup: the shared test servers, unless the caller (tools/servers/with-test-servers.mjs) already
// started them and passed their URLs in the environment. Workers inherit process.env.
import { startTestServers } from './servers.mjs';

export default async function globalSetup() {
  globalThis.__RMA_STOP_TEST_SERVERS__ = await startTestServers(process.env);
}
