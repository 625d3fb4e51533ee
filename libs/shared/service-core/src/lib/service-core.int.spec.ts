import { Controller, Get, INestApplication, Inject, Module } from '@nestjs/common';
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { firstValueFrom } from 'rxjs';
import { configureService } from './bootstrap/bootstrap-service';
import { PingReply, pingPattern } from './messaging/ping.controller';
import { redisOptionsFromUrl } from './messaging/redis-transport';
import { ServiceCoreModule } from './service-core.module';
import { SERVICE_REDIS } from './service-core.options';

const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;
// Port 1 on loopback: nothing listens there, so connections are refused at once.
const deadRedisUrl = 'redis://127.0.0.1:1';

/** Called when the slow handler has a request: the server's own word that it is in flight. */
let slowRequestArrived: () => void = () => undefined;

@Controller('slow')
class SlowController {
  @Get()
  async slow(): Promise<{ finished: boolean }> {
    slowRequestArrived();
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { finished: true };
  }
}

/** A port nothing listens on (this util lib may not use @rma/testing's helper). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A route that reads the service's own Redis, as the services' records and locks do. */
@Controller('record')
class RecordController {
  constructor(@Inject(SERVICE_REDIS) private readonly redis: Redis) {}

  @Get()
  async record(): Promise<{ value: string | null }> {
    return { value: await this.redis.get('test:record') };
  }
}

async function startService(options: {
  redisUrl: string;
  /** Start the Redis transport too (default: unless Redis is the dead URL). */
  transport?: boolean;
}): Promise<{ app: INestApplication; baseUrl: string }> {
  @Module({
    imports: [
      ServiceCoreModule.forRootAsync({
        serviceName: 'test-service',
        description: 'A service under test.',
        useFactory: () => ({
          host: '127.0.0.1',
          port: 0,
          redisUrl: options.redisUrl,
          logLevel: 'error',
          logFormat: 'json',
          // A fixture of the core's other features; the API key guard has its own spec.
          authMode: 'off',
          shutdownTimeoutMs: 5_000,
          redisWaitMs: 500,
        }),
      }),
    ],
    controllers: [SlowController, RecordController],
  })
  class TestServiceModule {}

  const moduleRef = await Test.createTestingModule({ imports: [TestServiceModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await configureService(app);
  // With Redis unreachable the transport would wait for it forever, as it does in production.
  if (options.transport ?? options.redisUrl !== deadRedisUrl) await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  return { app, baseUrl: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

describe(ServiceCoreModule.name, () => {
  describe('with Redis up', () => {
    let sut: { app: INestApplication; baseUrl: string };

    beforeAll(async () => {
      sut = await startService({ redisUrl });
    });
    afterAll(async () => {
      await sut.app.close();
    });

    it('answers liveness', async () => {
      const response = await fetch(`${sut.baseUrl}/health`);

      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok' });
    });

    it('is ready when Redis answers', async () => {
      const response = await fetch(`${sut.baseUrl}/health/ready`);

      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', info: { redis: { status: 'up' } } });
    });

    it('serves Prometheus metrics labelled by matched route, not raw URL', async () => {
      await fetch(`${sut.baseUrl}/health`);
      await fetch(`${sut.baseUrl}/no/such/route`);

      const response = await fetch(`${sut.baseUrl}/metrics`);
      const text = await response.text();

      expect(response.headers.get('content-type')).toContain('text/plain');
      expect(text).toContain('# TYPE http_server_request_duration_seconds histogram');
      expect(text).toMatch(
        /http_server_request_duration_seconds_count\{service="test-service",method="GET",route="\/health",status_code="200"\} [1-9]/,
      );
      expect(text).toMatch(/route="unmatched",status_code="404"/);
      expect(text).not.toContain('/no/such/route');
      expect(text).toContain('process_cpu_user_seconds_total');
    });

    it('serves the OpenAPI page and document', async () => {
      const page = await fetch(`${sut.baseUrl}/docs`);
      const document = await fetch(`${sut.baseUrl}/docs/openapi.json`);
      const body = (await document.json()) as { info: { title: string }; paths: Record<string, unknown> };

      expect(page.status).toBe(200);
      expect(await page.text()).toContain('swagger-ui');
      expect(body.info.title).toBe('test-service');
      expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/health', '/health/ready', '/slow']));
      expect(Object.keys(body.paths)).not.toContain('/metrics');
    });

    it('answers its ping pattern over the Redis transport', async () => {
      const client = ClientProxyFactory.create({
        transport: Transport.REDIS,
        options: redisOptionsFromUrl(redisUrl),
      });
      try {
        const reply = await firstValueFrom(client.send<PingReply>(pingPattern('test-service'), {}));

        expect(reply).toMatchObject({ service: 'test-service', pid: process.pid });
      } finally {
        await client.close();
      }
    });
  });

  it('is not ready, and says why, when Redis is unreachable', async () => {
    const sut = await startService({ redisUrl: deadRedisUrl });
    try {
      const response = await fetch(`${sut.baseUrl}/health/ready`);

      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({
        status: 'error',
        error: { redis: { status: 'down', message: expect.any(String) } },
      });
      expect((await fetch(`${sut.baseUrl}/health`)).status).toBe(200);
    } finally {
      await sut.app.close();
    }
  });

  it('answers 503 with Retry-After, not 500, when a route needs Redis and Redis is down', async () => {
    const sut = await startService({ redisUrl: deadRedisUrl });
    try {
      const response = await fetch(`${sut.baseUrl}/record`);

      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(await response.json()).toMatchObject({ statusCode: 503, error: 'RedisUnavailable', retryable: true });
    } finally {
      await sut.app.close();
    }
  });

  it('answers 503 within REDIS_WAIT_MS when Redis is frozen (its connection open, no reply)', async () => {
    // A redis-server of this test's own, stopped with SIGSTOP: the connection stays up and nothing answers.
    const port = await freePort();
    const frozen = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => frozen.once('exit', resolve));
    let sut: { app: INestApplication; baseUrl: string } | undefined;
    try {
      // Without the transport: the service's own client is what is under test, and a transport client
      // left on a Redis that goes away reconnects for ever and keeps jest from exiting.
      sut = await startService({ redisUrl: `redis://127.0.0.1:${port}`, transport: false });
      // The client connects after the app is up: 503 until then.
      let status = 0;
      for (let tries = 0; tries < 50 && status !== 200; tries += 1) {
        status = (await fetch(`${sut.baseUrl}/record`)).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(200);
      process.kill(frozen.pid as number, 'SIGSTOP');
      const started = performance.now();

      const response = await fetch(`${sut.baseUrl}/record`);

      expect(response.status).toBe(503);
      expect(performance.now() - started).toBeLessThan(500 + 200);
    } finally {
      frozen.kill('SIGCONT');
      await sut?.app.close();
      frozen.kill('SIGKILL');
      await exited;
    }
  });

  it('lets in-flight requests finish when it shuts down', async () => {
    const sut = await startService({ redisUrl });
    const arrived = new Promise<void>((resolve) => (slowRequestArrived = resolve));
    const inFlight = fetch(`${sut.baseUrl}/slow`);
    await arrived;

    await sut.app.close();
    const response = await inFlight;

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    await expect(fetch(`${sut.baseUrl}/health`)).rejects.toThrow();
  });
});
