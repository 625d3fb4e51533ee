import { Inject, MiddlewareConsumer, Module, NestModule, OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { ApiKeyAuthenticator } from './auth/api-key.authenticator';
import { ApiKeyGuard } from './auth/api-key.guard';
import { DEFAULT_RATE_LIMITS, RouteClassThrottler } from './auth/route-class.throttler';
import { HealthController } from './health/health.controller';
import { ReadinessRegistry } from './health/readiness.registry';
import { RedisHealthIndicator } from './health/redis.health';
import { redisOptionsFromUrl } from './messaging/redis-transport';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { MetricsController } from './metrics/metrics.controller';
import {
  SERVICE_IDENTITY,
  SERVICE_RUNTIME_OPTIONS,
  ServiceCoreConfigurableModule,
} from './service-core.module-definition';
import {
  SERVICE_CORE_OPTIONS,
  SERVICE_REDIS,
  ServiceCoreOptions,
  ServiceIdentity,
  ServiceRuntimeOptions,
} from './service-core.options';

export type { ServiceCoreModuleAsyncOptions } from './service-core.module-definition';

/**
 * What every RMA service has: health and readiness, Prometheus metrics, a Redis connection and the
 * `<serviceName>.ping` message handler. `bootstrapService` adds the HTTP server, logs and docs.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, MetricsController],
  providers: [
    {
      provide: SERVICE_CORE_OPTIONS,
      inject: [SERVICE_IDENTITY, SERVICE_RUNTIME_OPTIONS],
      useFactory: (identity: ServiceIdentity, runtime: ServiceRuntimeOptions): ServiceCoreOptions => ({
        serviceName: identity.serviceName,
        description: identity.description,
        version: identity.version,
        ...runtime,
      }),
    },
    {
      provide: Registry,
      inject: [SERVICE_CORE_OPTIONS],
      useFactory: (core: ServiceCoreOptions) => {
        const registry = new Registry();
        registry.setDefaultLabels({ service: core.serviceName });
        collectDefaultMetrics({ register: registry });
        return registry;
      },
    },
    {
      provide: SERVICE_REDIS,
      inject: [SERVICE_CORE_OPTIONS],
      useFactory: (core: ServiceCoreOptions) =>
        new Redis({
          ...redisOptionsFromUrl(core.redisUrl),
          // Fail commands at once while disconnected so that readiness answers quickly.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          // A frozen Redis keeps the connection open: without this a command would wait for ever.
          commandTimeout: core.redisWaitMs ?? 2_000,
          connectionName: `${core.serviceName}:health`,
        }).on('error', () => undefined), // reconnects on its own; readiness reports the outage
    },
    RedisHealthIndicator,
    ReadinessRegistry,
    ApiKeyAuthenticator,
    {
      provide: RouteClassThrottler,
      inject: [SERVICE_CORE_OPTIONS, SERVICE_REDIS, Reflector],
      // The service's own Redis client: a count during an outage fails fast, and the guard answers 503.
      useFactory: (core: ServiceCoreOptions, redis: Redis, reflector: Reflector) =>
        new RouteClassThrottler(
          core.rateLimits ?? DEFAULT_RATE_LIMITS,
          new ThrottlerStorageRedisService(redis),
          reflector,
        ),
    },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [SERVICE_CORE_OPTIONS, SERVICE_REDIS, Registry, ReadinessRegistry, ApiKeyAuthenticator],
})
export class ServiceCoreModule extends ServiceCoreConfigurableModule implements NestModule, OnApplicationShutdown {
  constructor(@Inject(SERVICE_REDIS) private readonly redis: Redis) {
    super();
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('{*path}');
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}
