import { DynamicModule, Injectable, Module, OnModuleInit, Type } from '@nestjs/common';
import type { ModuleMetadata } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import {
  GenerationQueue,
  GenerationQueueModule,
  generationEnvShape,
  generationQueueOptionsFromConfig,
} from '@rma/generation-queue';
import { LlmClient, LlmProviderModule, llmEnvShape, llmOptionsFromConfig } from '@rma/llm-provider';
import {
  ApiKeyAuthenticator,
  ServiceCoreModule,
  requireScopeMiddleware,
  runtimeOptionsFromConfig,
  serviceEnvShape,
} from '@rma/service-core';
import { Registry } from 'prom-client';

/** Path of the queue dashboard (Bull Board). */
export const QUEUE_DASHBOARD_PATH = '/queues';

/**
 * Mounts Bull Board at /queues when GENERATION_DASHBOARD says so (auto: everywhere but production), behind
 * an `admin` API key: it shows job payloads, which hold clients' personal data. Mounted on Express, so
 * Nest's guard never sees it; the same check runs as middleware.
 */
@Injectable()
class QueueDashboard implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly queue: GenerationQueue,
    private readonly config: ConfigService,
    private readonly authenticator: ApiKeyAuthenticator,
  ) {}

  onModuleInit(): void {
    const setting = this.config.get<string>('GENERATION_DASHBOARD');
    const enabled = setting === 'true' || (setting === 'auto' && this.config.get<string>('NODE_ENV') !== 'production');
    if (!enabled) return;
    this.adapterHost.httpAdapter
      .getInstance()
      .use(
        QUEUE_DASHBOARD_PATH,
        requireScopeMiddleware(this.authenticator, 'admin'),
        this.queue.dashboardRouter(QUEUE_DASHBOARD_PATH),
      );
  }
}

@Module({ providers: [QueueDashboard] })
class QueueDashboardModule {}

/** Every variable the platform reads; a service's config folder adds its PORT and its own. */
export const platformEnvShape = { ...serviceEnvShape, ...llmEnvShape, ...generationEnvShape };

export interface PlatformImportsOptions {
  serviceName: string;
  description: string;
  /** The service's ConfigModule validate hook (its config folder's `validateEnv`). */
  validate: (env: Record<string, unknown>) => Record<string, unknown>;
}

/**
 * The modules a service's root module imports: validated config, health, metrics, docs and the Redis
 * transport, the LLM provider, and the generation queue (with workers unless GENERATION_WORKERS=false).
 */
export function platformImports(options: PlatformImportsOptions): NonNullable<ModuleMetadata['imports']> {
  return [
    ConfigModule.forRoot({ isGlobal: true, cache: true, validate: options.validate }),
    ServiceCoreModule.forRootAsync({
      serviceName: options.serviceName,
      description: options.description,
      inject: [ConfigService],
      useFactory: runtimeOptionsFromConfig,
    }),
    LlmProviderModule.forRootAsync({
      inject: [ConfigService, Registry],
      useFactory: (config: ConfigService, registry: Registry) =>
        llmOptionsFromConfig((key) => config.get(key), registry),
    }),
    GenerationQueueModule.forRootAsync({
      inject: [ConfigService, LlmClient, Registry],
      useFactory: (config: ConfigService, llm: LlmClient, registry: Registry) =>
        generationQueueOptionsFromConfig((key) => config.get(key), {
          redisUrl: config.get('REDIS_URL') as string,
          llm,
          registry,
        }),
    }),
    QueueDashboardModule,
  ];
}

export interface PlatformRootOptions extends PlatformImportsOptions {
  /** The service's root module class. */
  module: Type<unknown>;
  /** Replaces process.env when given: tests run several configurations in one process. */
  env?: Record<string, unknown>;
  /** The service's feature modules. */
  features: NonNullable<ModuleMetadata['imports']>;
  /** The service's one exception filter, mapping its domain errors to HTTP. */
  exceptionFilter: Type<unknown>;
}

/** A service's root module: the platform, its features and its exception filter. */
export function platformRoot(options: PlatformRootOptions): DynamicModule {
  const { env, validate } = options;
  return {
    module: options.module,
    imports: [
      ...platformImports({
        ...options,
        // A test's `env` keeps the run's AUTH_MODE (the test setup sets off) unless it names its own.
        validate: (processEnv) => validate(env ? { AUTH_MODE: processEnv['AUTH_MODE'], ...env } : processEnv),
      }),
      ...options.features,
    ],
    providers: [{ provide: APP_FILTER, useClass: options.exceptionFilter }],
  };
}
