import { Controller, Get, INestApplication, Module, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { configureService } from '../bootstrap/bootstrap-service';
import { ServiceCoreModule } from '../service-core.module';
import { SERVICE_REDIS } from '../service-core.options';
import type { ServiceRuntimeOptions } from '../service-core.options';
import { API_KEY_PREFIX } from './api-key';
import { ApiKeyStore } from './api-key.store';
import { ApiKeyGuard } from './api-key.guard';
import { CurrentPrincipal, LOCAL_PRINCIPAL, Principal } from './principal';
import { Public, RequireScope } from './route-access.decorators';

// Real Redis: keys are created by the same store the CLI uses, and looked up by the guard over the wire.
const redisUrl = `${process.env['RMA_TEST_REDIS_URL'] as string}/13`;
// Port 1 on loopback: nothing listens there, so every Redis command fails as in an outage.
const deadRedisUrl = 'redis://127.0.0.1:1';

@RequireScope('ask')
@Controller('ask')
class AskController {
  @Post()
  ask(@CurrentPrincipal() principal: Principal): Principal {
    return principal;
  }

  @Get('admin-only')
  @RequireScope('admin')
  adminOnly(): { ok: true } {
    return { ok: true };
  }

  @Get('letters-or-admin')
  @RequireScope('letters', 'admin')
  lettersOrAdmin(): { ok: true } {
    return { ok: true };
  }
}

@Controller('open')
class OpenController {
  @Get()
  @Public()
  open(): { ok: true } {
    return { ok: true };
  }

  @Get('undeclared')
  undeclared(): { ok: true } {
    return { ok: true };
  }
}

async function startService(options: Partial<ServiceRuntimeOptions>): Promise<{ app: INestApplication; url: string }> {
  @Module({
    imports: [
      ServiceCoreModule.forRootAsync({
        serviceName: 'test-service',
        description: 'A service under test.',
        useFactory: () => ({
          host: '127.0.0.1',
          port: 0,
          redisUrl,
          logLevel: 'error',
          logFormat: 'json',
          shutdownTimeoutMs: 5_000,
          redisWaitMs: 500,
          ...options,
        }),
      }),
    ],
    controllers: [AskController, OpenController],
  })
  class TestServiceModule {}

  const moduleRef = await Test.createTestingModule({ imports: [TestServiceModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await configureService(app);
  await app.listen(0, '127.0.0.1');
  // The service's Redis client refuses commands until connected (no offline queue): wait, as readiness would.
  const serviceRedis = app.get<Redis>(SERVICE_REDIS);
  if (serviceRedis.status !== 'ready' && options.redisUrl !== deadRedisUrl) await once(serviceRedis, 'ready');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

const call = async (url: string, options: { key?: string; method?: string } = {}) => {
  const response = await fetch(url, {
    method: options.method ?? 'POST',
    headers: options.key ? { authorization: `Bearer ${options.key}` } : {},
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
};

describe(ApiKeyGuard.name, () => {
  let redis: Redis;
  let store: ApiKeyStore;
  beforeAll(async () => {
    redis = new Redis(redisUrl);
    await redis.flushdb();
    store = new ApiKeyStore(redis);
  });
  afterAll(() => redis.quit());

  describe('with auth off', () => {
    let sut: { app: INestApplication; url: string };
    beforeAll(async () => (sut = await startService({ authMode: 'off' })));
    afterAll(() => sut.app.close());

    it('puts the local principal on every request, with no key', async () => {
      const response = await call(`${sut.url}/ask`);

      expect(response.status).toBe(201);
      expect(response.body).toEqual({ organisation: 'local', keyId: null, scopes: [...LOCAL_PRINCIPAL.scopes] });
    });
  });

  describe('with auth on', () => {
    let sut: { app: INestApplication; url: string };
    let askKey: { key: string; keyId: string };
    let lettersKey: string;
    beforeAll(async () => {
      sut = await startService({ authMode: 'on', authKeyCacheMs: 300 });
      const ask = await store.create({ organisation: 'acme', scopes: ['ask'], label: 'test' });
      askKey = { key: ask.key, keyId: ask.record.keyId };
      lettersKey = (await store.create({ organisation: 'acme', scopes: ['letters'] })).key;
    });
    afterAll(() => sut.app.close());

    it('answers 401 with a typed body and WWW-Authenticate when no key is sent', async () => {
      const response = await call(`${sut.url}/ask`);

      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(response.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        code: 'api_key_missing',
        message: expect.stringContaining('Authorization: Bearer'),
      });
    });

    it('answers 401 to a key it does not know, and to a known id with the wrong secret', async () => {
      const forged = `${askKey.key.slice(0, -4)}AAAA`;

      expect((await call(`${sut.url}/ask`, { key: 'not-a-key' })).body['code']).toBe('api_key_invalid');
      expect((await call(`${sut.url}/ask`, { key: forged })).status).toBe(401);
    });

    it("puts the key's organisation, id and scopes on the request when the key has the route's scope", async () => {
      const response = await call(`${sut.url}/ask`, { key: askKey.key });

      expect(response.status).toBe(201);
      expect(response.body).toEqual({ organisation: 'acme', keyId: askKey.keyId, scopes: ['ask'] });
    });

    it('answers 403 naming the scope to a valid key without it', async () => {
      const response = await call(`${sut.url}/ask`, { key: lettersKey });

      expect(response.status).toBe(403);
      expect(response.body).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        code: 'scope_missing',
        requiredScope: 'ask',
        message: expect.stringContaining('`ask` scope'),
      });
    });

    it("lets a method's scope replace its controller's", async () => {
      expect((await call(`${sut.url}/ask/admin-only`, { key: askKey.key, method: 'GET' })).status).toBe(403);
    });

    it('lets a key with any of the scopes a route names through, and names them all to a key with none', async () => {
      const adminKey = (await store.create({ organisation: 'acme', scopes: ['admin'] })).key;
      const url = `${sut.url}/ask/letters-or-admin`;

      expect((await call(url, { key: lettersKey, method: 'GET' })).status).toBe(200);
      expect((await call(url, { key: adminKey, method: 'GET' })).status).toBe(200);
      // The method's scopes replace the controller's: `ask` does not serve here.
      const refused = await call(url, { key: askKey.key, method: 'GET' });
      expect(refused.status).toBe(403);
      expect(refused.body['message']).toContain('`letters` or `admin` scope');
    });

    it('opens @Public() routes and health to every caller, and closes undeclared routes to all but admin', async () => {
      const adminKey = (await store.create({ organisation: 'acme', scopes: ['admin'] })).key;

      expect((await call(`${sut.url}/open`, { method: 'GET' })).status).toBe(200);
      expect((await fetch(`${sut.url}/health`)).status).toBe(200);
      expect((await fetch(`${sut.url}/metrics`)).status).toBe(200);
      expect((await call(`${sut.url}/open/undeclared`, { method: 'GET', key: askKey.key })).status).toBe(403);
      expect((await call(`${sut.url}/open/undeclared`, { method: 'GET', key: adminKey })).status).toBe(200);
    });

    it('stores only a hash of the secret', async () => {
      const stored = await redis.hgetall(`${API_KEY_PREFIX}${askKey.keyId}`);
      const secret = askKey.key.slice(askKey.key.lastIndexOf('_') + 1);

      expect(stored['organisation']).toBe('acme');
      expect(JSON.stringify(stored)).not.toContain(secret);
      expect(stored['secretHash']).toMatch(/^[0-9a-f]{64}$/);
    });

    it('refuses a revoked key once the cache time has passed', async () => {
      const { key, record } = await store.create({ organisation: 'acme', scopes: ['ask'] });
      expect((await call(`${sut.url}/ask`, { key })).status).toBe(201);

      expect(await store.revoke(record.keyId)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 350));

      expect((await call(`${sut.url}/ask`, { key })).status).toBe(401);
      expect((await store.list()).map((listed) => listed.keyId)).not.toContain(record.keyId);
    });
  });

  describe('with Redis frozen after the key was verified', () => {
    it('answers the rate-limit count with 503 RedisUnavailable too, within the Redis wait', async () => {
      // A redis-server of this test's own, stopped with SIGSTOP: the key is in the guard's cache, so only
      // the count (a script on the service's Redis client) meets the outage.
      const port = await freePort();
      const frozen = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
        stdio: 'ignore',
      });
      const exited = new Promise((resolve) => frozen.once('exit', resolve));
      let sut: { app: INestApplication; url: string } | undefined;
      try {
        const frozenUrl = `redis://127.0.0.1:${port}`;
        sut = await startService({ authMode: 'on', redisUrl: frozenUrl, authKeyCacheMs: 60_000 });
        const owner = new Redis(frozenUrl);
        const { key } = await new ApiKeyStore(owner).create({ organisation: 'acme', scopes: ['ask'] });
        owner.disconnect();
        expect((await call(`${sut.url}/ask`, { key })).status).toBe(201);
        process.kill(frozen.pid as number, 'SIGSTOP');

        const response = await call(`${sut.url}/ask`, { key });

        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('2');
        expect(response.body).toMatchObject({ error: 'RedisUnavailable' });
      } finally {
        frozen.kill('SIGCONT');
        await sut?.app.close();
        frozen.kill('SIGKILL');
        await exited;
      }
    });
  });

  describe('with Redis down', () => {
    let sut: { app: INestApplication; url: string };
    beforeAll(async () => (sut = await startService({ authMode: 'on', redisUrl: deadRedisUrl })));
    afterAll(() => sut.app.close());

    it('answers the key lookup with 503 RedisUnavailable and Retry-After, not 401 or 500', async () => {
      const key = `rma_0123456789ab_${'A'.repeat(43)}`;

      const response = await call(`${sut.url}/ask`, { key });

      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(response.body).toMatchObject({ statusCode: 503, error: 'RedisUnavailable', retryable: true });
    });
  });
});

/** A port nothing listens on yet (this util lib may not use @rma/testing's helper). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
