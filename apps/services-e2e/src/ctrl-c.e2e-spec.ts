import { freePort } from '@rma/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServiceProcess, waitUntilHealthy } from './service-process';

// Ctrl-C on `npm start` sends SIGINT to every process at once, and Redis stops first: each service then
// closes its queues with Redis already gone. Goal (#14): every process stopped in under 5 s, exit 0, no
// stack traces. Each service as its own process, with a redis-server of this test's own, SIGKILLed.
const STOP_BOUND_MS = 5_000;
const llmUrl = process.env['RMA_TEST_LLM_URL'] as string;
const services = ['rag-service', 'notes-service', 'doc-processor', 'generation-worker'];
let storage: string;

beforeAll(async () => {
  storage = await mkdtemp(join(tmpdir(), 'ctrl-c-e2e-'));
});
afterAll(async () => {
  await rm(storage, { recursive: true, force: true });
});

async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let tries = 0; tries < 100; tries += 1) {
    const up = await fetch(`http://127.0.0.1:${port}`).then(
      () => true,
      (error: { cause?: { code?: string } }) => error.cause?.code !== 'ECONNREFUSED',
    );
    if (up) return redis;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not listen on ${port}`);
}

describe.each(services)('%s on Ctrl-C after Redis stopped', (name) => {
  it(`exits 0 within ${STOP_BOUND_MS} ms, without a stack trace`, async () => {
    const redisPort = await freePort();
    const redis = await startRedis(redisPort);
    const port = await freePort();
    const sut = startServiceProcess(name, {
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      VLLM_URL: llmUrl,
      OLLAMA_URL: llmUrl,
      CHROMA_URL: process.env['RMA_TEST_CHROMA_URL'] as string,
      MANUALS_DIR: 'off',
      DOCUMENT_STORAGE_DIR: join(storage, name),
    });
    try {
      await waitUntilHealthy(`http://127.0.0.1:${port}/health/ready`, sut, 30_000);
      await new Promise((resolve) => redis.once('exit', resolve).kill('SIGKILL'));
      // As with Ctrl-C, the service has seen Redis go (its connections reconnecting) when its signal comes.
      await new Promise((resolve) => setTimeout(resolve, 1_000));

      const started = performance.now();
      sut.child.kill('SIGINT');
      const stopped = await sut.exited;
      const ms = performance.now() - started;

      expect(stopped).toEqual({ code: 0, signal: null });
      expect(ms).toBeLessThan(STOP_BOUND_MS);
      expect(sut.output()).toContain('Stopped');
      // A stack frame, printed as is or inside a JSON log line.
      expect(sut.output()).not.toMatch(/\bat .+\.[cm]?[jt]s:\d+:\d+/);
    } finally {
      if (sut.child.exitCode === null) sut.child.kill('SIGKILL');
      if (redis.exitCode === null && redis.signalCode === null) redis.kill('SIGKILL');
    }
  }, 60_000);
});
