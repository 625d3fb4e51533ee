// The real processes a scenario runs against: redis-server, Chroma, local-llm (simulated engine) and the
// built services and generation workers from dist/, each started as its own process, as `npm start` runs
// them. Every process this module starts is stopped by `stopAll`, whatever a scenario did to it.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const workspaceRoot = join(__dirname, '..', '..', '..');

interface ServersModule {
  freePort(): Promise<number>;
  startRedis(options: { port?: number; dataDir?: string }): Promise<RunningServer>;
  startChroma(options: { port?: number; dataDir?: string }): Promise<RunningServer>;
  startLocalLlm(options: { port?: number; args?: string[]; env?: Record<string, string> }): Promise<RunningServer>;
}

/** A server from tools/servers: its URL, pid and a stop that waits for the exit. */
export interface RunningServer {
  url: string;
  pid: number;
  output?: () => string;
  stop: () => Promise<void>;
}

let serversModule: Promise<ServersModule> | undefined;
/** tools/servers/servers.mjs (plain ESM, shared with `npm start` and the tests' global setup). */
export function servers(): Promise<ServersModule> {
  serversModule ??= import(join(workspaceRoot, 'tools/servers/servers.mjs')) as Promise<ServersModule>;
  return serversModule;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A built app (`node dist/apps/<name>/main.js`) started as its own process. */
export interface AppProcess {
  name: string;
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Exits this module did not cause (a crash, an exit on a Redis outage): a scenario's "no process restarted". */
  unexpectedExits: () => string[];
  kill: (signal: NodeJS.Signals) => Promise<void>;
  stop: () => Promise<void>;
}

/** Every process and temporary folder of one scenario, stopped and removed together. */
export class ChaosSystem {
  private readonly cleanups: (() => Promise<void>)[] = [];
  private readonly apps: AppProcess[] = [];

  async redis(options: { persistent?: boolean } = {}): Promise<RestartableServer> {
    const { startRedis, freePort } = await servers();
    const port = await freePort();
    const dataDir = options.persistent ? this.tempDir('rma-chaos-redis-') : undefined;
    const server = new RestartableServer('redis', () => startRedis({ port, dataDir }));
    await server.start();
    this.cleanups.push(() => server.stop());
    return server;
  }

  async chroma(): Promise<RestartableServer> {
    const { startChroma, freePort } = await servers();
    const port = await freePort();
    const dataDir = this.tempDir('rma-chaos-chroma-');
    const server = new RestartableServer('chroma', () => startChroma({ port, dataDir }));
    await server.start();
    this.cleanups.push(() => server.stop());
    return server;
  }

  /** local-llm's simulated engine with the admin API (faults), answering both vLLM's and Ollama's APIs. */
  async localLlm(args: string[] = []): Promise<RestartableServer> {
    const { startLocalLlm, freePort } = await servers();
    const port = await freePort();
    const server = new RestartableServer('local-llm', () =>
      startLocalLlm({
        port,
        args: ['--engine', 'sim', '--profile', 'fast', '--admin', '--log-format', 'json', ...args],
        env: { LOCAL_LLM_MODEL: '', LOCAL_LLM_SERVED_MODEL_NAMES: 'llama3.2,meta-llama/Llama-3.2-3B-Instruct,llava' },
      }),
    );
    await server.start();
    this.cleanups.push(() => server.stop());
    return server;
  }

  /** A built service or generation worker on a free port, healthy (GET /health 200) before this returns. */
  async app(name: string, env: Record<string, string>): Promise<AppProcess> {
    const { freePort } = await servers();
    const port = await freePort();
    const app = startApp(name, { ...env, PORT: String(port) });
    this.apps.push(app);
    this.cleanups.push(() => app.stop());
    await waitForStatus(`${app.url}/health`, 200, { timeoutMs: 60_000, app });
    return app;
  }

  /** Starts the same app again on the same port (after a kill), as a supervisor would. */
  async restart(app: AppProcess, env: Record<string, string>): Promise<AppProcess> {
    const port = new URL(app.url).port;
    const next = startApp(app.name, { ...env, PORT: port });
    this.apps.push(next);
    this.cleanups.push(() => next.stop());
    await waitForStatus(`${next.url}/health`, 200, { timeoutMs: 60_000, app: next });
    return next;
  }

  /** Something else to undo when the scenario ends (after the apps stop). */
  onStop(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** Exits of started apps that no scenario step asked for. */
  unexpectedExits(): string[] {
    return this.apps.flatMap((app) => app.unexpectedExits());
  }

  async stopAll(): Promise<void> {
    // Apps first (they drain against the servers), then the servers, then the folders.
    for (const cleanup of this.cleanups.reverse()) await cleanup().catch(() => undefined);
    this.cleanups.length = 0;
  }

  private tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.cleanups.unshift(async () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }
}

/** A server that a scenario stops, freezes (SIGSTOP) and brings back on the same port and data. */
export class RestartableServer {
  private running?: RunningServer;
  private frozen = false;

  constructor(
    readonly name: string,
    private readonly launch: () => Promise<RunningServer>,
  ) {}

  get url(): string {
    if (!this.running) throw new Error(`${this.name} is not running`);
    return this.running.url;
  }

  get pid(): number {
    if (!this.running) throw new Error(`${this.name} is not running`);
    return this.running.pid;
  }

  async start(): Promise<void> {
    this.running = await this.launch();
  }

  /** Stops it (SIGTERM, then SIGKILL after 5 s): Redis writes its append-only file first. */
  async stop(): Promise<void> {
    if (this.frozen) this.thaw();
    await this.running?.stop();
  }

  kill(): void {
    process.kill(this.pid, 'SIGKILL');
  }

  freeze(): void {
    process.kill(this.pid, 'SIGSTOP');
    this.frozen = true;
  }

  thaw(): void {
    process.kill(this.pid, 'SIGCONT');
    this.frozen = false;
  }
}

function startApp(name: string, env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, [join(workspaceRoot, 'dist/apps', name, 'main.js')], {
    cwd: workspaceRoot,
    // Only what the scenario sets: a developer's shell or a CI's RMA_TEST_* must not change the system.
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'development',
      // The scenarios measure faults, not access: no API keys.
      AUTH_MODE: 'off',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Bounded: a long outage can make a service log for minutes.
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let expected = false;
  const unexpected: string[] = [];
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      if (!expected) unexpected.push(`${name} (pid ${child.pid}) exited: code=${code} signal=${signal}`);
      resolve();
    }),
  );
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    name,
    url: `http://127.0.0.1:${env['PORT']}`,
    child,
    output: () => output,
    unexpectedExits: () => unexpected,
    kill: async (signal) => {
      expected = true;
      if (!gone()) child.kill(signal);
      await exited;
    },
    stop: async () => {
      expected = true;
      if (gone()) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls url until it answers `status`, or throws (with the app's output when it died). */
export async function waitForStatus(
  url: string,
  status: number,
  options: { timeoutMs?: number; app?: AppProcess } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (options.app && options.app.child.exitCode !== null) {
      throw new Error(
        `${options.app.name} exited with ${options.app.child.exitCode}:\n${options.app.output().slice(-4000)}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === status) return;
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer ${status} within ${options.timeoutMs ?? 30_000} ms (${last})`);
}

/** The env every built app needs to reach this system's servers. */
export function platformEnv(options: { redisUrl: string; llmUrl: string; fallbackUrl?: string; chromaUrl?: string }) {
  return {
    REDIS_URL: options.redisUrl,
    VLLM_URL: options.llmUrl,
    OLLAMA_URL: options.fallbackUrl ?? options.llmUrl,
    ...(options.chromaUrl ? { CHROMA_URL: options.chromaUrl } : {}),
    GENERATION_DASHBOARD: 'false',
  };
}
