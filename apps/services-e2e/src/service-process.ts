import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const workspaceRoot = join(__dirname, '..', '..', '..');

/** A built service started as its own process, as `node dist/apps/<name>/main.js`. */
export interface ServiceProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startServiceProcess(name: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [join(workspaceRoot, 'dist/apps', name, 'main.js')], {
    cwd: workspaceRoot,
    // The run's AUTH_MODE (the test setup sets off) unless the test names its own, or runs the service as
    // in production, where it needs keys (and refuses off).
    env: {
      PATH: process.env.PATH ?? '',
      ...(process.env.AUTH_MODE && env['NODE_ENV'] !== 'production' ? { AUTH_MODE: process.env.AUTH_MODE } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, output: () => output, exited };
}

/** Polls url until it answers 200, or fails with what the process printed. */
export async function waitUntilHealthy(url: string, service: ServiceProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) {
      throw new Error(`the service exited with code ${service.child.exitCode}:\n${service.output()}`);
    }
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${service.output()}`);
}
