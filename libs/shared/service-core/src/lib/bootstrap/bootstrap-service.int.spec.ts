import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { bootstrapService } from './bootstrap-service';

// The real SIGTERM handler, in a real process: bootstrapService exits the process, so it cannot run in
// Jest's. Real Redis for the transport.
const workspaceRoot = join(__dirname, '..', '..', '..', '..', '..', '..');
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;

/** Polls until check() is true (a util lib may not use @rma/testing's `eventually`). */
async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface ServiceProcess {
  child: ChildProcess;
  baseUrl: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startFixtureProcess(shutdownTimeoutMs: number): Promise<ServiceProcess> {
  const child = spawn(
    process.execPath,
    [
      join(workspaceRoot, 'tools/scripts/ts-run.cjs'),
      join(workspaceRoot, 'libs/shared/service-core/src/testing/service-process.ts'),
    ],
    {
      env: {
        PATH: process.env['PATH'],
        PORT: '0',
        REDIS_URL: redisUrl,
        SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Port 0: the service logs the port it was given.
  await until(() => /Listening url=\S+/.test(output) || child.exitCode !== null);
  const url = /Listening url=(\S+)/.exec(output)?.[1];
  if (!url) throw new Error(`the service did not start:\n${output}`);
  return { child, baseUrl: url.replace('[::1]', '127.0.0.1'), output: () => output, exited };
}

describe(bootstrapService.name, () => {
  let sut: ServiceProcess | undefined;

  afterEach(() => {
    if (sut?.child.exitCode === null) sut.child.kill('SIGKILL');
    sut = undefined;
  });

  it('on SIGTERM lets the request in flight finish, then exits 0', async () => {
    sut = await startFixtureProcess(5_000);
    const inFlight = fetch(`${sut.baseUrl}/hold?ms=500`);
    await until(() => sut?.output().includes('holding') ?? false);

    sut.child.kill('SIGTERM');
    const response = await inFlight;

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    expect(await sut.exited).toBe(0);
    expect(sut.output()).toMatch(/Shutting down signal=SIGTERM deadlineMs=5000[\s\S]*Stopped/);
  });

  it('exits 1 when the shutdown deadline passes with a request still running', async () => {
    sut = await startFixtureProcess(300);
    const inFlight = fetch(`${sut.baseUrl}/hold?ms=60000`).catch((error: unknown) => error);
    await until(() => sut?.output().includes('holding') ?? false);

    sut.child.kill('SIGTERM');

    // The request would hold the process for a minute: only the deadline ends it before Jest gives up.
    expect(await sut.exited).toBe(1);
    expect(sut.output()).toContain('Shutdown deadline passed; exiting deadlineMs=300');
    expect(sut.output()).not.toContain('Stopped');
    expect(await inFlight).toMatchObject({ message: 'fetch failed' });
  });
});
