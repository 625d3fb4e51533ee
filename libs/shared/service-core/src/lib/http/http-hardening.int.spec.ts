import { Controller, Get, INestApplication, Module, Post, Res } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { once } from 'node:events';
import type { Response } from 'express';
import { Redis } from 'ioredis';
import { ApiKeyStore } from '../auth/api-key.store';
import { RequireScope } from '../auth/route-access.decorators';
import { configureService } from '../bootstrap/bootstrap-service';
import { ServiceCoreModule } from '../service-core.module';
import { SERVICE_REDIS } from '../service-core.options';
import type { ServiceRuntimeOptions } from '../service-core.options';
import { currentRequestLogIds } from '../logging/request-log-context';
import type { RequestLogIds } from '../logging/request-log-context';
import { openEventStream } from './server-sent-events';

const redisUrl = `${process.env['RMA_TEST_REDIS_URL'] as string}/11`;
const ALLOWED = 'https://advice.example.org';

@RequireScope('ask')
@Controller('ask')
class AskController {
  @Post('stream')
  stream(@Res() response: Response): void {
    const events = openEventStream(response);
    events.send('token', { text: 'Hello' });
    events.send('done', {});
    events.end();
  }

  @Get('fails')
  fails(): never {
    throw new Error('a bug');
  }

  /** The ids a log line written here would carry. */
  @Get('log-ids')
  logIds(): RequestLogIds | undefined {
    return currentRequestLogIds();
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
          logLevel: 'fatal',
          logFormat: 'json',
          shutdownTimeoutMs: 5_000,
          ...options,
        }),
      }),
    ],
    controllers: [AskController],
  })
  class TestServiceModule {}
  const moduleRef = await Test.createTestingModule({ imports: [TestServiceModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false, bodyParser: false });
  await configureService(app);
  await app.listen(0, '127.0.0.1');
  // The service's Redis client refuses commands until connected (no offline queue): wait, as readiness would.
  const serviceRedis = app.get<Redis>(SERVICE_REDIS);
  if (serviceRedis.status !== 'ready') await once(serviceRedis, 'ready');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

describe('HTTP hardening (configureService)', () => {
  let sut: { app: INestApplication; url: string };
  beforeAll(async () => (sut = await startService({ authMode: 'off', corsOrigins: [ALLOWED] })));
  afterAll(() => sut.app.close());

  describe('request ids', () => {
    it('generates an id for every answer, refusals and 404s included', async () => {
      const answers = await Promise.all([
        fetch(`${sut.url}/health`),
        fetch(`${sut.url}/nowhere`),
        fetch(`${sut.url}/ask/fails`),
      ]);

      const ids = answers.map((answer) => answer.headers.get('x-request-id'));
      expect(answers.map((answer) => answer.status)).toEqual([200, 404, 500]);
      for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Set(ids).size).toBe(3);
    });

    it("keeps a caller's valid id and replaces one that could carry text into the logs", async () => {
      const kept = await fetch(`${sut.url}/health`, { headers: { 'x-request-id': 'trace-4bf92f3577b34da6' } });
      const replaced = await fetch(`${sut.url}/health`, { headers: { 'x-request-id': 'Ms Patel owes £1,200' } });

      expect(kept.headers.get('x-request-id')).toBe('trace-4bf92f3577b34da6');
      expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('puts on log lines the id the answer carries, whatever the caller sent', async () => {
      for (const sent of ['trace-4bf92f3577b34da6', 'abc', 'Ms Patel owes £1,200', undefined]) {
        const response = await fetch(`${sut.url}/ask/log-ids`, {
          headers: sent === undefined ? {} : { 'x-request-id': sent },
        });

        expect(await response.json()).toMatchObject({ requestId: response.headers.get('x-request-id') });
      }
    });
  });

  describe('security headers (helmet)', () => {
    it('sets them on API answers', async () => {
      const response = await fetch(`${sut.url}/health`);

      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(response.headers.get('strict-transport-security')).toContain('max-age=');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(response.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
      expect(response.headers.get('x-powered-by')).toBeNull();
    });

    it('leaves the OpenAPI page working: its scripts and styles are files of this origin, which load', async () => {
      const page = await fetch(`${sut.url}/docs`);
      const html = await page.text();
      const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      const sources = scripts.map(([, attributes]) => /src="([^"]+)"/.exec(attributes)?.[1]);

      expect(page.status).toBe(200);
      // script-src 'self' blocks inline scripts: every script must come from a file here.
      expect(scripts.length).toBeGreaterThan(0);
      expect(scripts.filter(([, , body]) => body.trim() !== '')).toEqual([]);
      for (const source of sources) {
        expect(source).toMatch(/^\.?\/?[\w./-]+$/);
        expect((await fetch(new URL(source as string, `${sut.url}/docs`))).status).toBe(200);
      }
      expect((await fetch(`${sut.url}/docs/openapi.json`)).status).toBe(200);
    });

    it('leaves server-sent events streaming', async () => {
      const response = await fetch(`${sut.url}/ask/stream`, { method: 'POST' });

      expect(response.headers.get('content-type')).toContain('text/event-stream');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await response.text()).toBe('event: token\ndata: {"text":"Hello"}\n\nevent: done\ndata: {}\n\n');
    });
  });

  describe('CORS', () => {
    const preflight = (url: string, origin: string) =>
      fetch(url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });

    it('allows a configured origin, with Authorization and Prefer, and exposes what a client polls by', async () => {
      const response = await preflight(`${sut.url}/ask/stream`, ALLOWED);
      const actual = await fetch(`${sut.url}/health`, { headers: { origin: ALLOWED } });
      const allowed = response.headers.get('access-control-allow-headers')?.toLowerCase().split(',') ?? [];
      const exposed = actual.headers.get('access-control-expose-headers')?.split(',') ?? [];

      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      // Prefer: respond-async asks a batch endpoint for a 202 with a Location to poll and a Retry-After.
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'prefer']));
      expect(actual.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(exposed).toEqual(expect.arrayContaining(['X-Request-Id', 'Location', 'Retry-After']));
    });

    it('allows no other origin', async () => {
      const response = await preflight(`${sut.url}/ask/stream`, 'https://evil.example.com');

      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('allows no origin at all when none is configured', async () => {
      const closed = await startService({ authMode: 'off' });
      try {
        const response = await preflight(`${closed.url}/ask/stream`, ALLOWED);
        expect(response.headers.get('access-control-allow-origin')).toBeNull();
      } finally {
        await closed.app.close();
      }
    });
  });

  describe('/docs in production', () => {
    let production: { app: INestApplication; url: string };
    let redis: Redis;
    beforeAll(async () => {
      redis = new Redis(redisUrl);
      await redis.flushdb();
      production = await startService({ authMode: 'on', nodeEnv: 'production' });
    });
    afterAll(async () => {
      await production?.app.close();
      await redis.quit();
    });

    it('needs an admin key, for the page and the document', async () => {
      const store = new ApiKeyStore(redis);
      const ask = (await store.create({ organisation: 'acme', scopes: ['ask'] })).key;
      const admin = (await store.create({ organisation: 'acme', scopes: ['admin'] })).key;
      const get = (path: string, key?: string) =>
        fetch(`${production.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

      expect((await get('/docs')).status).toBe(401);
      expect((await get('/docs/openapi.json')).status).toBe(401);
      expect((await get('/docs/openapi.yaml', ask)).status).toBe(403);
      expect((await get('/docs/openapi.json', admin)).status).toBe(200);
      expect((await get('/docs')).headers.get('www-authenticate')).toContain('Basic realm="RMA"');
      expect((await get('/health')).status).toBe(200);
    });

    it('takes the key as the password of HTTP Basic auth, so that a browser can open the page', async () => {
      const admin = (await new ApiKeyStore(redis).create({ organisation: 'acme', scopes: ['admin'] })).key;
      const basic = (password: string) => `Basic ${Buffer.from(`adviser:${password}`).toString('base64')}`;

      const page = await fetch(`${production.url}/docs`, { headers: { authorization: basic(admin) } });
      const wrong = await fetch(`${production.url}/docs`, { headers: { authorization: basic(`${admin}x`) } });

      expect(page.status).toBe(200);
      expect(await page.text()).toContain('swagger-ui');
      expect(wrong.status).toBe(401);
    });
  });
});
