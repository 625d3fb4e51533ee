import { API_SCOPES, ApiKeyStore, type ApiScope } from '@rma/service-core';
import { freePort } from '@rma/testing';
import { Redis } from 'ioredis';
import { ServiceProcess, startServiceProcess, waitUntilHealthy } from './service-process';

// Every route of every service, as the built services answer it over HTTP with AUTH_MODE=on: no key 401,
// a key with every scope but the route's 403, a key with only the route's scope neither. The routes and
// their scopes are read from each service's own OpenAPI document (@RequireScope() writes the scope into
// the 403 description), so a route added later is in the table without editing it here.
// A database no other spec of this project uses.
const redisUrl = `${process.env['RMA_TEST_REDIS_URL'] as string}/12`;
const llmUrl = process.env['RMA_TEST_LLM_URL'] as string;
const chromaUrl = process.env['RMA_TEST_CHROMA_URL'] as string;
const PUBLIC_PATHS = ['/health', '/health/ready'];

interface Route {
  service: string;
  method: string;
  path: string;
  scope: ApiScope;
}

const common = (port: number) => ({
  PORT: String(port),
  HOST: '127.0.0.1',
  REDIS_URL: redisUrl,
  VLLM_URL: llmUrl,
  OLLAMA_URL: llmUrl,
  CHROMA_URL: chromaUrl,
  MANUALS_DIR: 'off',
  LOG_LEVEL: 'warn',
  AUTH_MODE: 'on',
});

async function start(name: string, env: Record<string, string> = {}): Promise<{ sut: ServiceProcess; url: string }> {
  const port = await freePort();
  const sut = startServiceProcess(name, { ...common(port), ...env });
  const url = `http://127.0.0.1:${port}`;
  // Ready, not just alive: before its Redis client connects a service answers 503 RedisUnavailable.
  await waitUntilHealthy(`${url}/health/ready`, sut);
  return { sut, url };
}

async function stop(service: { sut: ServiceProcess } | undefined): Promise<void> {
  if (!service) return;
  service.sut.child.kill('SIGTERM');
  await service.sut.exited;
}

async function send(url: string, method: string, key?: string): Promise<Response> {
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  if (method === 'GET' || method === 'DELETE') return fetch(url, { method, headers });
  return fetch(url, { method, headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
}

/** The routes of a service's OpenAPI document, each with the scope its 403 names. */
async function routesOf(service: string, url: string): Promise<Route[]> {
  const document = (await (await fetch(`${url}/docs/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { responses?: Record<string, { description?: string }> }>>;
  };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(() => !PUBLIC_PATHS.includes(path))
      .map(([method, operation]) => {
        const scope = /`(\w+)` scope/.exec(operation.responses?.['403']?.description ?? '')?.[1];
        return {
          service,
          method: method.toUpperCase(),
          path: path.replace(/\{[^}]+\}/g, 'no-such-id'),
          scope: scope as ApiScope,
        };
      }),
  );
}

describe('API keys on every route of every service', () => {
  const services: Record<string, { sut: ServiceProcess; url: string }> = {};
  let redis: Redis;
  const onlyKey = {} as Record<ApiScope, string>;
  const allButKey = {} as Record<ApiScope, string>;
  let adminKey: string;

  beforeAll(async () => {
    redis = new Redis(redisUrl);
    await redis.flushdb();
    const store = new ApiKeyStore(redis);
    for (const scope of API_SCOPES) {
      onlyKey[scope] = (await store.create({ organisation: 'acme', scopes: [scope] })).key;
      allButKey[scope] = (
        await store.create({ organisation: 'acme', scopes: API_SCOPES.filter((other) => other !== scope) })
      ).key;
    }
    adminKey = onlyKey.admin;
    for (const name of ['notes-service', 'doc-processor', 'rag-service']) {
      services[name] = await start(name, { GENERATION_DASHBOARD: 'true' });
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all(Object.values(services).map(stop));
    await redis.quit();
  });

  it('answers 401 without a key, 403 with a key lacking the scope, and neither with the scope', async () => {
    const routes = (await Promise.all(Object.entries(services).map(([name, { url }]) => routesOf(name, url)))).flat();
    const table: string[] = [];
    for (const route of routes) {
      const url = `${services[route.service].url}${route.path}`;
      const none = await send(url, route.method);
      const wrong = route.scope ? await send(url, route.method, allButKey[route.scope]) : undefined;
      const right = route.scope ? await send(url, route.method, onlyKey[route.scope]) : undefined;
      table.push(
        `${route.service} ${route.method} ${route.path} scope=${route.scope} ` +
          `none=${none.status} wrong=${wrong?.status} right=${right?.status}`,
      );
    }
    const expected = table.map((row) =>
      row.replace(/none=\d+ wrong=\d+ right=\d+/, (statuses) =>
        statuses.replace(/none=\d+/, 'none=401').replace(/wrong=\d+/, 'wrong=403'),
      ),
    );

    // Every route names its scope; the scoped key gets past the guard (a 4xx of the route's own, e.g. 400).
    expect(routes.length).toBeGreaterThanOrEqual(19);
    expect(routes.filter((route) => !route.scope)).toEqual([]);
    expect(table).toEqual(expected);
    for (const row of table) expect(row).toMatch(/right=(200|201|202|400|404|413|415)$/);
  });

  it('keeps health, readiness and metrics open, and the queue dashboard to admin keys', async () => {
    for (const { url } of Object.values(services)) {
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      expect((await fetch(`${url}/metrics`)).status).toBe(200);
      expect((await send(`${url}/queues`, 'GET')).status).toBe(401);
      expect((await send(`${url}/queues`, 'GET', allButKey.admin)).status).toBe(403);
      expect((await send(`${url}/queues`, 'GET', adminKey)).status).toBe(200);
    }
  });
});

describe('rate limits', () => {
  it('are shared by two processes of a service on one Redis: 429 with Retry-After past the limit', async () => {
    const redis = new Redis(redisUrl);
    const { key } = await new ApiKeyStore(redis).create({ organisation: 'acme', scopes: ['letters'] });
    await redis.quit();
    const limited = { RATE_LIMIT_LETTERS: '3', GENERATION_WORKERS: 'false' };
    const [first, second] = await Promise.all([start('notes-service', limited), start('notes-service', limited)]);
    try {
      const statuses = [];
      for (const { url } of [first, second, first]) statuses.push((await send(`${url}/letters`, 'POST', key)).status);
      const refused = await send(`${second.url}/letters`, 'POST', key);

      // {} is a bad letter (400), which still counts: the limit is checked before the body.
      expect(statuses).toEqual([400, 400, 400]);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ statusCode: 429, code: 'rate_limited', retryable: true });
    } finally {
      await Promise.all([stop(first), stop(second)]);
    }
  }, 60_000);
});

describe.each(['notes-service', 'doc-processor', 'rag-service', 'generation-worker'])('%s', (name) => {
  it('refuses to start with AUTH_MODE=off when NODE_ENV=production, in one clear message', async () => {
    const sut = startServiceProcess(name, {
      ...common(await freePort()),
      NODE_ENV: 'production',
      AUTH_MODE: 'off',
    });

    const { code } = await sut.exited;

    expect(code).toBe(1);
    expect(sut.output()).toContain(`Invalid configuration for ${name}`);
    expect(sut.output()).toContain('AUTH_MODE: off is refused when NODE_ENV=production');
  });
});
