// Runs a command with the shared test servers up: `node tools/servers/with-test-servers.mjs <command> [args...]`.
// The servers' URLs reach the command as RMA_TEST_* variables; they stop when it ends.
import { spawn } from 'node:child_process';
import { startTestServers } from './servers.mjs';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: node tools/servers/with-test-servers.mjs <command> [args...]\n');
  process.exit(2);
}

const stopServers = await startTestServers(process.env);
const child = spawn(command, args, { stdio: 'inherit', env: process.env });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
const code = await new Promise((resolve) => {
  child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
});
await stopServers();
process.exit(code);
