// Real servers for tests and local runs: started as child processes on free ports, stopped on exit.
// Plain ESM so that Jest's global setup, the test runner script and `npm start` share one copy.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const workspaceRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on host:port, or rejects after timeoutMs. */
export async function waitForPort(port, { host = '127.0.0.1', timeoutMs = 15_000, child } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) {
      throw new Error(`the process exited with code ${child.exitCode} before listening on ${port}`);
    }
    if (await isListening(port, host)) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Stops a child process: SIGTERM, then SIGKILL if it is still there after graceMs. */
export function stopProcess(child, graceMs = 5_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Installs redis-server when missing (see tools/scripts/ensure-redis.sh), or throws how to. */
export function ensureRedisServer() {
  const result = spawnSync('bash', [join(workspaceRoot, 'tools/scripts/ensure-redis.sh')], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(result.stderr.trim() || 'redis-server is not installed');
  }
}

/**
 * Starts redis-server on 127.0.0.1. Without `dataDir` it is throw-away (no persistence, a temporary
 * folder, a free port); with it, data is kept there with an append-only file, so a restart loses no
 * queued work. Returns its URL and a stop function. `detached` (here and for Chroma and local-llm) puts
 * the server in a process group of its own: a terminal's Ctrl-C, which signals the whole foreground
 * group at once, then reaches only the services, which shut down while the servers they use still
 * answer; the caller stops the servers after them.
 */
export async function startRedis({ port, dataDir, detached = false } = {}) {
  ensureRedisServer();
  const chosenPort = port ?? (await freePort());
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'rma-redis-'));
  mkdirSync(dir, { recursive: true });
  const persistence = dataDir ? ['--appendonly', 'yes'] : ['--save', '', '--appendonly', 'no'];
  const child = spawn(
    'redis-server',
    ['--port', String(chosenPort), '--bind', '127.0.0.1', '--dir', dir, ...persistence],
    { stdio: 'ignore', detached },
  );
  await waitForPort(chosenPort, { child });
  return {
    url: `redis://127.0.0.1:${chosenPort}`,
    pid: child.pid,
    stop: async () => {
      await stopProcess(child);
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once a GET of `url` answers 2xx, or rejects after timeoutMs (or when `child` exits). */
export async function waitForHttpOk(url, { timeoutMs = 15_000, child } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    if (child && child.exitCode !== null) {
      throw new Error(`the process exited with code ${child.exitCode} before ${url} answered`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 2xx within ${timeoutMs} ms (${last})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The `chroma` CLI of the installed `chromadb` package (its Rust server lives in the platform package
 * chromadb-js-bindings-*; on Linux x64 it is pinned to 1.0.5 in package.json's overrides, because later
 * builds need a newer glibc than Debian 12's).
 */
export function chromaCli() {
  const require = createRequire(import.meta.url);
  let entry;
  try {
    entry = require.resolve('chromadb');
  } catch {
    throw new Error('the chromadb package is not installed: run `npm ci`');
  }
  // The package's root: the nearest folder above its entry point with a package.json.
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  const { bin } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return join(dir, typeof bin === 'string' ? bin : bin.chroma);
}

/**
 * Starts a Chroma server (`chroma run` from the chromadb package, in-process Rust server) on
 * 127.0.0.1. Without `dataDir` it keeps its data in a temporary folder removed on stop; with it, data
 * persists there. Waits for /api/v2/heartbeat to answer. Returns its URL and a stop function.
 */
export async function startChroma({ port, dataDir, detached = false } = {}) {
  const cli = chromaCli();
  const chosenPort = port ?? (await freePort());
  // Otherwise the heartbeat below would be answered by whatever holds the port, while the new server
  // fails to bind (or binds later, once that one is gone, and is never stopped).
  if (await isListening(chosenPort)) throw new Error(`cannot start Chroma: port ${chosenPort} is already in use`);
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'rma-chroma-'));
  mkdirSync(dir, { recursive: true });
  let output = '';
  const child = spawn(
    process.execPath,
    [cli, 'run', '--path', dir, '--port', String(chosenPort), '--host', '127.0.0.1'],
    {
      cwd: dir,
      // The Rust server (1.0) sends no anonymized telemetry and exports OpenTelemetry only when a config
      // file names a collector (we pass none); ANONYMIZED_TELEMETRY is the switch the Python server
      // reads, set here so that no build of Chroma phones home from tests or `npm start`.
      env: { ...process.env, ANONYMIZED_TELEMETRY: 'False' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached,
    },
  );
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${chosenPort}`;
  try {
    await waitForPort(chosenPort, { child, timeoutMs: 30_000 });
    await waitForHttpOk(`${url}/api/v2/heartbeat`, { child, timeoutMs: 30_000 });
  } catch (error) {
    await stopProcess(child, 1_000);
    if (!dataDir) rmSync(dir, { recursive: true, force: true });
    throw new Error(`Chroma did not start: ${error.message}\n${output}`);
  }
  return {
    url,
    pid: child.pid,
    output: () => output,
    stop: async () => {
      await stopProcess(child);
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether something accepts TCP connections on host:port right now. */
export function isListening(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts the local LLM server (apps/local-llm, built into dist/) on a free port with the generated tiny
 * model, unless told otherwise by `args`. Returns its URL and a stop function.
 */
export async function startLocalLlm({ port, args = [], env = {}, detached = false } = {}) {
  const main = join(workspaceRoot, 'dist/apps/local-llm/main.js');
  if (!existsSync(main)) {
    throw new Error('dist/apps/local-llm/main.js is missing: build it first with `npx nx build local-llm`');
  }
  const chosenPort = port ?? (await freePort());
  let output = '';
  const child = spawn(process.execPath, [main, '--port', String(chosenPort), '--host', '127.0.0.1', ...args], {
    cwd: workspaceRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  try {
    await waitForPort(chosenPort, { child, timeoutMs: 60_000 });
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`local-llm did not start: ${error.message}\n${output}`);
  }
  return {
    url: `http://127.0.0.1:${chosenPort}`,
    pid: child.pid,
    output: () => output,
    stop: () => stopProcess(child),
  };
}

/** The servers tests share, keyed by the environment variable that carries each one's URL. */
export const TEST_SERVERS = {
  redis: { variable: 'RMA_TEST_REDIS_URL', start: () => startRedis() },
  chroma: { variable: 'RMA_TEST_CHROMA_URL', start: () => startChroma() },
  // Tests assert on the tiny model's shape: a LOCAL_LLM_MODEL set for development must not reach them.
  llm: {
    variable: 'RMA_TEST_LLM_URL',
    start: () =>
      startLocalLlm({
        args: ['--preset', 'tiny', '--seed', '42'],
        env: { LOCAL_LLM_MODEL: '', LOCAL_LLM_SERVED_MODEL_NAMES: '' },
      }),
  },
};

/**
 * Starts each named test server whose variable is not set yet, and sets it. Returns a function that
 * stops the ones it started.
 */
export async function startTestServers(env = process.env, names = Object.keys(TEST_SERVERS)) {
  const started = [];
  try {
    for (const name of names) {
      const server = TEST_SERVERS[name];
      if (!server) throw new Error(`unknown test server '${name}'; known: ${Object.keys(TEST_SERVERS).join(', ')}`);
      if (env[server.variable]) continue;
      const running = await server.start();
      env[server.variable] = running.url;
      started.push(running);
    }
  } catch (error) {
    await Promise.all(started.map((server) => server.stop()));
    throw error;
  }
  return async () => {
    await Promise.all(started.map((server) => server.stop()));
  };
}
