import { API_SCOPES, ApiKeyStore, type ApiScope } from '@rma/service-core';
import { freePort } from '@rma/testing';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { pdfOf } from './pdf-fixture';
import { ServiceProcess, startServiceProcess, waitUntilHealthy } from './service-process';

// Every route of every service, as the built services answer it over HTTP with AUTH_MODE=on: no key 401,
// a key with every scope but the route's 403, a key with only one of the route's scopes neither. The routes
// and their scopes are read from each service's own OpenAPI document (@RequireScope() writes the scopes into
// the 403 description), so a route added later is in the table without editing it here. Every route that
// takes a stored id answers another organisation's id 404, with the body of an unknown id.
// A database no other spec of this project uses.
const redisUrl = `${process.env['RMA_TEST_REDIS_URL'] as string}/12`;
const llmUrl = process.env['RMA_TEST_LLM_URL'] as string;
const chromaUrl = process.env['RMA_TEST_CHROMA_URL'] as string;
const PUBLIC_PATHS = ['/health', '/health/ready'];

interface Route {
  service: string;
  method: string;
  path: string;
  /** The scopes any of which serves the route (most routes have one). */
  scopes: ApiScope[];
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

/** The routes of a service's OpenAPI document, each with the scopes its 403 names. */
async function routesOf(service: string, url: string): Promise<Route[]> {
  const document = (await (await fetch(`${url}/docs/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { responses?: Record<string, { description?: string }> }>>;
  };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(() => !PUBLIC_PATHS.includes(path))
      .map(([method, operation]) => {
        const description = operation.responses?.['403']?.description ?? '';
        const scopes = [...description.matchAll(/`(\w+)`/g)].map(([, scope]) => scope as ApiScope);
        return { service, method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'no-such-id'), scopes };
      }),
  );
}

type StoredKind = 'document' | 'ingestJob' | 'askBatch' | 'letterBatch';
/**
 * Every route whose path takes an id, by what the id names: an organisation's stored thing, or the shared
 * manuals (readable by every organisation; changed only with the admin scope). A route added later with
 * an id fails the test below until it is classified here.
 */
const STORED_ID_ROUTES: Record<string, StoredKind | 'shared' | 'deployment'> = {
  // The LLM traffic split: one setting of the whole deployment, named by role, for admin keys (#15).
  ...Object.fromEntries(
    ['notes-service', 'doc-processor', 'rag-service'].flatMap((service) =>
      ['PUT', 'DELETE'].map((method) => [`${service} ${method} /admin/llm/traffic-split/{id}`, 'deployment' as const]),
    ),
  ),
  'notes-service GET /letters/batch/{id}': 'letterBatch',
  'doc-processor GET /documents/{id}': 'document',
  'doc-processor GET /documents/{id}/markdown': 'document',
  'doc-processor DELETE /documents/{id}': 'document',
  'rag-service GET /ask/batch/{id}': 'askBatch',
  'rag-service GET /documents/jobs/{id}': 'ingestJob',
  'rag-service GET /documents/{id}': 'shared',
  'rag-service DELETE /documents/{id}': 'shared',
};
/** Where the owner reads each kind back (200), after another organisation's tries, its delete included. */
const OWNER_READS: Record<StoredKind, string> = {
  document: 'doc-processor /documents/{id}',
  ingestJob: 'rag-service /documents/jobs/{id}',
  askBatch: 'rag-service /ask/batch/{id}',
  letterBatch: 'notes-service /letters/batch/{id}',
};

describe('API keys on every route of every service', () => {
  const services: Record<string, { sut: ServiceProcess; url: string }> = {};
  let redis: Redis;
  const onlyKey = {} as Record<ApiScope, string>;
  /** A key of every scope but those named, by the names joined with commas. */
  const allButKey: Record<string, string> = {};
  let store: ApiKeyStore;
  let adminKey: string;

  /** One stored thing of each kind, created with `key` (its organisation's). */
  async function storedIdsOf(key: string): Promise<Record<StoredKind, string>> {
    const json = { authorization: `Bearer ${key}`, 'content-type': 'application/json', prefer: 'respond-async' };
    const upload = new FormData();
    upload.append('file', new Blob([new Uint8Array(pdfOf(['Council tax arrears of 1,200 GBP.']))]), 'letter.pdf');
    upload.append('clientId', 'cl-access');
    const answers = await Promise.all([
      fetch(`${services['doc-processor'].url}/documents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: upload,
      }),
      fetch(`${services['rag-service'].url}/documents`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          title: 'Fuel debts',
          text: '# Fuel debts\n\n' + 'Energy arrears are priority debts. '.repeat(40),
        }),
      }),
      fetch(`${services['rag-service'].url}/ask/batch`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ questions: ['Is council tax a priority debt?'] }),
      }),
      fetch(`${services['notes-service'].url}/letters/batch`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ items: [{ notes: 'Cl owes 300 GBP to Barclaycard.', clientName: 'Mr Okafor' }] }),
      }),
    ]);
    const bodies = await Promise.all(
      answers.map((answer) => answer.json() as Promise<{ documentId?: string; jobId?: string }>),
    );
    expect(
      answers.map((answer, index) => `${answer.status} ${answer.status === 202 ? '' : JSON.stringify(bodies[index])}`),
    ).toEqual(['202 ', '202 ', '202 ', '202 ']);
    const [document, ingest, askBatch, letterBatch] = bodies as Array<{ documentId: string; jobId: string }>;
    return {
      document: document.documentId,
      ingestJob: ingest.jobId,
      askBatch: askBatch.jobId,
      letterBatch: letterBatch.jobId,
    };
  }

  beforeAll(async () => {
    redis = new Redis(redisUrl);
    await redis.flushdb();
    store = new ApiKeyStore(redis);
    for (const scope of API_SCOPES) {
      onlyKey[scope] = (await store.create({ organisation: 'acme', scopes: [scope] })).key;
      allButKey[scope] = (
        await store.create({ organisation: 'acme', scopes: API_SCOPES.filter((other) => other !== scope) })
      ).key;
    }
    adminKey = onlyKey.admin;
    // rag-service: any document of more than one chunk is an ingest job, in a collection of this run's own.
    const extra: Record<string, Record<string, string>> = {
      'rag-service': {
        CHROMA_COLLECTION: `e2e-access-${randomUUID().slice(0, 8)}`,
        INGEST_JOB_MIN_CHUNKS: '1',
        CHUNK_SIZE: '300',
        CHUNK_OVERLAP: '50',
      },
    };
    for (const name of ['notes-service', 'doc-processor', 'rag-service']) {
      services[name] = await start(name, { GENERATION_DASHBOARD: 'true', ...extra[name] });
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
      const named = route.scopes.join(',');
      allButKey[named] ??= (
        await store.create({
          organisation: 'acme',
          scopes: API_SCOPES.filter((other) => !route.scopes.includes(other)),
        })
      ).key;
      // One row per scope that serves the route: a key with only that one must get past the guard.
      for (const scope of route.scopes) {
        const none = await send(url, route.method);
        const wrong = await send(url, route.method, allButKey[named]);
        const right = await send(url, route.method, onlyKey[scope]);
        table.push(
          `${route.service} ${route.method} ${route.path} scope=${scope} of ${named} ` +
            `none=${none.status} wrong=${wrong.status} right=${right.status}`,
        );
      }
    }
    const expected = table.map((row) =>
      row.replace(/none=\d+ wrong=\d+ right=\d+/, (statuses) =>
        statuses.replace(/none=\d+/, 'none=401').replace(/wrong=\d+/, 'wrong=403'),
      ),
    );

    // Every route names its scope; the scoped key gets past the guard (a 4xx of the route's own, e.g. 400).
    expect(routes.length).toBeGreaterThanOrEqual(19);
    expect(routes.filter((route) => route.scopes.length === 0)).toEqual([]);
    // POST /documents needs admin and may answer 202 with an ingest job: the same key can poll it.
    expect(routes.find((route) => route.path === '/documents/jobs/no-such-id')?.scopes).toEqual(['documents', 'admin']);
    expect(table).toEqual(expected);
    for (const row of table) expect(row).toMatch(/right=(200|201|202|400|404|413|415)$/);
  });

  it("answers another organisation's stored id 404, as an unknown id, on every route that takes one", async () => {
    const store = new ApiKeyStore(redis);
    const owner = (await store.create({ organisation: 'acme', scopes: API_SCOPES })).key;
    const other = (await store.create({ organisation: 'globex', scopes: API_SCOPES })).key;
    const ids = await storedIdsOf(owner);
    const routes = (await Promise.all(Object.entries(services).map(([name, { url }]) => routesOf(name, url)))).flat();
    const withId = routes.filter((route) => route.path.includes('no-such-id'));
    const rows: string[] = [];
    // Deletes last: another organisation's delete must leave the owner's record readable.
    for (const route of [...withId].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'))) {
      const name = `${route.service} ${route.method} ${route.path.replace('no-such-id', '{id}')}`;
      const kind = STORED_ID_ROUTES[name];
      if (kind === undefined) {
        rows.push(`${name}: not classified (add it to STORED_ID_ROUTES)`);
        continue;
      }
      if (kind === 'shared' || kind === 'deployment') continue;
      const base = services[route.service].url;
      const answer = await send(`${base}${route.path.replace('no-such-id', ids[kind])}`, route.method, other);
      const unknownId = randomUUID();
      const unknown = await send(`${base}${route.path.replace('no-such-id', unknownId)}`, route.method, other);
      // Text, not JSON: a delete that went through is an empty 204.
      const same =
        (await answer.text()).split(ids[kind]).join('<id>') === (await unknown.text()).split(unknownId).join('<id>');
      rows.push(`${name}: other=${answer.status} unknown=${unknown.status} sameBody=${same}`);
    }
    const owned = Object.entries(OWNER_READS).map(async ([kind, path]) => {
      const [service, route] = path.split(' ') as [string, string];
      return `${kind}: owner=${(await send(`${services[service].url}${route.replace('{id}', ids[kind as StoredKind])}`, 'GET', owner)).status}`;
    });

    expect(rows).toEqual(
      withId
        .map((route) => `${route.service} ${route.method} ${route.path.replace('no-such-id', '{id}')}`)
        .filter((name) => !['shared', 'deployment'].includes(STORED_ID_ROUTES[name] as string))
        .sort((a, b) => Number(a.includes(' DELETE ')) - Number(b.includes(' DELETE ')))
        .map((name) => `${name}: other=404 unknown=404 sameBody=true`),
    );
    expect(rows.length).toBeGreaterThanOrEqual(6);
    expect(await Promise.all(owned)).toEqual(Object.keys(OWNER_READS).map((kind) => `${kind}: owner=200`));
  }, 60_000);

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
