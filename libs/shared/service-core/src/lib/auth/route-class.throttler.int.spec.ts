import { Controller, INestApplication, Module, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { configureService } from '../bootstrap/bootstrap-service';
import { ServiceCoreModule } from '../service-core.module';
import { SERVICE_REDIS } from '../service-core.options';
import { ApiKeyStore } from './api-key.store';
import { RequireScope } from './route-access.decorators';
import { RATE_LIMIT_KEY_PREFIX, RouteClassThrottler } from './route-class.throttler';

const redisUrl = `${process.env['RMA_TEST_REDIS_URL'] as string}/12`;

@Controller()
class RoutesController {
  @Post('ask')
  @RequireScope('ask')
  ask(): { ok: true } {
    return { ok: true };
  }

  @Post('ask/batch')
  @RequireScope('ask')
  askBatch(): { ok: true } {
    return { ok: true };
  }

  @Post('letters')
  @RequireScope('letters')
  letters(): { ok: true } {
    return { ok: true };
  }
}

/** One replica of a service; two of them on one Redis are two replicas behind a load balancer. */
async function startReplica(): Promise<{ app: INestApplication; url: string }> {
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
          authMode: 'on',
          rateLimits: { windowMs: 60_000, limits: { ask: 3, letters: 1, documents: 1, eligibility: 1, admin: 1 } },
        }),
      }),
    ],
    controllers: [RoutesController],
  })
  class ReplicaModule {}
  const moduleRef = await Test.createTestingModule({ imports: [ReplicaModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await configureService(app);
  await app.listen(0, '127.0.0.1');
  // The service's Redis client refuses commands until connected (no offline queue): wait, as readiness would.
  const serviceRedis = app.get<Redis>(SERVICE_REDIS);
  if (serviceRedis.status !== 'ready') await once(serviceRedis, 'ready');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

const post = (url: string, key: string) => fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}` } });

describe(RouteClassThrottler.name, () => {
  let redis: Redis;
  let store: ApiKeyStore;
  let first: { app: INestApplication; url: string };
  let second: { app: INestApplication; url: string };
  beforeAll(async () => {
    redis = new Redis(redisUrl);
    await redis.flushdb();
    store = new ApiKeyStore(redis);
    [first, second] = await Promise.all([startReplica(), startReplica()]);
  });
  afterAll(async () => {
    await Promise.all([first?.app.close(), second?.app.close()]);
    await redis.quit();
  });

  it('counts a route class per key across replicas, and answers 429 with Retry-After past the limit', async () => {
    const { key, record } = await store.create({ organisation: 'acme', scopes: ['ask', 'letters'] });

    const statuses = [
      (await post(`${first.url}/ask`, key)).status,
      (await post(`${second.url}/ask/batch`, key)).status,
      (await post(`${first.url}/ask`, key)).status,
    ];
    const refused = await post(`${second.url}/ask`, key);

    expect(statuses).toEqual([201, 201, 201]);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
    expect(await refused.json()).toEqual({
      statusCode: 429,
      error: 'TooManyRequests',
      code: 'rate_limited',
      retryable: true,
      message: expect.stringContaining('more than 3 ask requests in 60 s'),
    });
    expect(await redis.exists(`{${RATE_LIMIT_KEY_PREFIX}ask:${record.keyId}:ask}:hits`)).toBe(1);
  });

  it("keeps each class's and each key's count apart", async () => {
    const spent = await store.create({ organisation: 'acme', scopes: ['ask', 'letters'] });
    for (let i = 0; i < 4; i++) await post(`${first.url}/ask`, spent.key);
    const other = await store.create({ organisation: 'acme', scopes: ['ask'] });

    expect((await post(`${first.url}/ask`, spent.key)).status).toBe(429);
    expect((await post(`${second.url}/letters`, spent.key)).status).toBe(201);
    expect((await post(`${second.url}/letters`, spent.key)).status).toBe(429);
    expect((await post(`${second.url}/ask`, other.key)).status).toBe(201);
  });
});
