import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const workspaceRoot = join(__dirname, '..', '..', '..', '..', '..');

/** A local-llm server started for one test file, with its own flags (the shared one serves the rest). */
export interface StartedServer {
  url: string;
  /** The server's process id: a test may freeze it (SIGSTOP) and thaw it (SIGCONT). */
  pid: number;
  output: () => string;
  stop: () => Promise<void>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts the built server (dist/apps/local-llm) with extra flags and waits for /health. */
export async function startLocalLlm(args: string[]): Promise<StartedServer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(workspaceRoot, 'dist/apps/local-llm/main.js'), '--port', String(port), ...args],
    {
      cwd: workspaceRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`local-llm exited with ${child.exitCode}:\n${output}`);
      return fetch(`${url}/health`).then(
        (response) => response.ok,
        () => false,
      );
    }, 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    pid: child.pid as number,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The shared server's URL, set by the test harness (tools/servers). */
export function sharedServerUrl(): string {
  const url = process.env['RMA_TEST_LLM_URL'];
  if (!url) throw new Error('RMA_TEST_LLM_URL is not set: run through `npm test` or `nx e2e local-llm-e2e`');
  return url;
}

/** Reads one numeric series from a Prometheus text page, e.g. `vllm:num_requests_running`. */
export async function metricValue(baseUrl: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith(`${name}{`) && row.includes(labels));
  if (!line) throw new Error(`metric ${name} not found`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Polls until check() is true, or throws after timeoutMs. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/** Replaces a local-llm's injected faults (started with --admin); an empty list clears them. */
export async function setFaults(baseUrl: string, faults: unknown[]): Promise<void> {
  const response = await fetch(`${baseUrl}/admin/faults`, {
    method: faults.length ? 'POST' : 'DELETE',
    headers: { 'Content-Type': 'application/json' },
    body: faults.length ? JSON.stringify({ faults }) : undefined,
  });
  if (!response.ok) throw new Error(`setting faults failed: ${response.status} ${await response.text()}`);
}
