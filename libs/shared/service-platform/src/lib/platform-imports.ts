import type { ModuleMetadata } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { GenerationQueueModule, generationEnvShape, generationQueueOptionsFromConfig } from '@rma/generation-queue';
import { LlmClient, LlmProviderModule, llmEnvShape, llmOptionsFromConfig } from '@rma/llm-provider';
import { ServiceCoreModule, runtimeOptionsFromConfig, serviceEnvShape } from '@rma/service-core';
import { Registry } from 'prom-client';

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
  ];
}
