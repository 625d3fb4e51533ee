// Runs a command with the shared test servers up: `node tools/servers/with-test-servers.mjs <command> [args...]`.
// The servers' URLs (Chroma and the local LLM) reach the command as RMA_TEST_* variables; they stop when it ends.
import { spawn } from 'node:child_process';
import { startTestServers } from './servers.mjs';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: node tools/servers/with-test-servers.mjs <command> [args...]\n');
  process.exit(2);
}

// Redis is not shared: each project's Jest global setup starts its own, so projects that run at the same
// time never meet in a database (each project's specs share out its 16) or on a pub/sub channel (Nest's
// Redis transport, which ignores the database number).
const stopServers = await startTestServers(process.env, ['chroma', 'llm']);
const child = spawn(command, args, { stdio: 'inherit', env: process.env });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
const code = await new Promise((resolve) => {
  child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
});
await stopServers();
process.exit(code);
