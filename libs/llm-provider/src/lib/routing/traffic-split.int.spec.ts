import { Global, INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SERVICE_REDIS } from '@rma/service-core';
import { eventually, freePort, sharedServerUrl } from '@rma/testing';
import { Redis } from 'ioredis';
import { ChildProcess, spawn } from 'node:child_process';
import { Registry } from 'prom-client';
import { LlmClient } from '../llm-client';
import { LlmProviderModule } from '../nest/llm-provider.module';
import { testOptions } from '../testing-options';
import { TRAFFIC_SPLIT_KEY } from './traffic-split.watcher';

// Two apps, as two service processes, each with LlmProviderModule and a Redis client of its own on one
// redis-server of this file's own; both backends are the shared local-llm (its OpenAI API as vLLM, its
// Ollama API as Ollama), so every call is a real HTTP call and the backend that served it is counted.
let port: number;
let server: ChildProcess;
const apps: INestApplication[] = [];
const clients: Redis[] = [];

async function startApp(): Promise<{ app: INestApplication; client: LlmClient; url: string }> {
  const redis = new Redis({ port, host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  await new Promise((resolve) => redis.once('ready', resolve));

  @Global()
  @Module({ providers: [{ provide: SERVICE_REDIS, useValue: redis }], exports: [SERVICE_REDIS] })
  class RedisModule {}

  const url = sharedServerUrl();
  const moduleRef = await Test.createTestingModule({
    imports: [
      RedisModule,
      LlmProviderModule.forRoot({
        // Ollama primary with vLLM behind it, and a split from the environment that gives vLLM nothing:
        // the canary's first step.
        ...testOptions({ provider: 'ollama', vllmUrl: url, ollamaUrl: url, retry: { maxAttempts: 1 } }),
        trafficSplit: { chat: { vllm: 0, ollama: 100 } },
        trafficSplitPollMs: 200,
        registry: new Registry(),
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  apps.push(app);
  clients.push(redis);
  const address = app.getHttpServer().address() as { port: number };
  return { app, client: app.get(LlmClient), url: `http://127.0.0.1:${address.port}` };
}

async function put(
  base: string,
  role: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}/admin/llm/traffic-split/${role}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Which backend served each of `calls` chat calls, counted. */
async function servedBy(client: LlmClient, calls: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < calls; i += 1) {
    const result = await client.chat({ messages: [{ role: 'user', content: `question ${i}` }], maxTokens: 2 });
    counts[result.backend.kind] = (counts[result.backend.kind] ?? 0) + 1;
  }
  return counts;
}

beforeAll(async () => {
  port = await freePort();
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], { stdio: 'ignore' });
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  await eventually(() =>
    probe.connect().then(
      () => true,
      () => false,
    ),
  );
  probe.disconnect();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  for (const redis of clients.splice(0)) redis.disconnect();
  const redis = new Redis({ port, host: '127.0.0.1' });
  await redis.del(TRAFFIC_SPLIT_KEY);
  redis.disconnect();
});
afterAll(() => {
  server.kill('SIGKILL');
});

describe('traffic split through the admin endpoint', () => {
  it('sends nothing to a backend at 0, then its share once one process sets it, in every process', async () => {
    const [first, second] = [await startApp(), await startApp()];
    // The default: vLLM joined chat from the split, at 0.
    expect(second.client.backendKinds('chat')).toEqual(['ollama', 'vllm']);
    expect(await servedBy(second.client, 10)).toEqual({ ollama: 10 });

    const set = await put(first.url, 'chat', { vllm: 10, ollama: 90 });
    expect(set).toMatchObject({
      status: 200,
      body: { role: 'chat', shares: { vllm: 10, ollama: 90 }, source: 'redis' },
    });
    // The other process follows within its watch interval (200 ms here).
    await eventually(async () => second.client.trafficSplit.current.chat?.vllm === 10, 2_000);

    expect(await servedBy(second.client, 40)).toEqual({ vllm: 4, ollama: 36 });

    // Rollback: vLLM at 0 again, nothing more goes to it.
    expect((await put(second.url, 'chat', { vllm: 0, ollama: 100 })).status).toBe(200);
    await eventually(async () => first.client.trafficSplit.current.chat?.vllm === 0, 2_000);
    expect(await servedBy(first.client, 20)).toEqual({ ollama: 20 });
  });

  it.each([
    [{ vllm: 10, ollama: 80 }, 'chat: the shares add up to 90, expected 100'],
    [{ vllm: 10, llamacpp: 90 }, 'chat: unknown backend "llamacpp": expected vllm or ollama'],
    [{ vllm: '10', ollama: 90 }, "chat: vllm's share must be a whole percentage from 0 to 100"],
    [[10, 90], 'chat: expected an object of backend shares, e.g. {"vllm": 10, "ollama": 90}'],
  ])('refuses %j with a 400 that says what to change', async (body, message) => {
    const { url, client } = await startApp();

    const refused = await put(url, 'chat', body);

    expect(refused).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', code: 'invalid_traffic_split', message },
    });
    expect(client.trafficSplit.current.chat).toEqual({ vllm: 0, ollama: 100 });
  });

  it('refuses an unknown role, and a share for a backend the role lacks, with a 400', async () => {
    const { url } = await startApp();

    expect((await put(url, 'speech', { vllm: 100 })).body['message']).toBe(
      'unknown role "speech": expected one of chat, embedding, vision',
    );
    // Vision has only Ollama here (testOptions gives every role the same provider, no fallback).
    const lacking = await put(url, 'vision', { vllm: 50, ollama: 50 });
    expect(lacking.status).toBe(400);
    expect(lacking.body['message']).toContain('vision: no vllm backend is configured for it here');
  });
});
