import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { GenerationQueueModule, generationQueueOptionsFromConfig } from '@rma/generation-queue';
import { LlmClient, LlmProviderModule, llmOptionsFromConfig } from '@rma/llm-provider';
import { ServiceCoreModule, runtimeOptionsFromConfig } from '@rma/service-core';
import { Registry } from 'prom-client';
import { SERVICE_NAME, validateEnv } from './config/env.schema';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, cache: true, validate: validateEnv }),
    ServiceCoreModule.forRootAsync({
      serviceName: SERVICE_NAME,
      description: 'Runs generation jobs from the queue, for deployments that scale workers apart from the services.',
      inject: [ConfigService],
      useFactory: runtimeOptionsFromConfig,
    }),
    LlmProviderModule.forRootAsync({
      inject: [ConfigService, Registry],
      useFactory: (config: ConfigService, registry: Registry) =>
        llmOptionsFromConfig((key) => config.get(key), registry),
    }),
    // This process exists to host workers (GENERATION_WORKERS stays true here).
    GenerationQueueModule.forRootAsync({
      inject: [ConfigService, LlmClient, Registry],
      useFactory: (config: ConfigService, llm: LlmClient, registry: Registry) =>
        generationQueueOptionsFromConfig((key) => config.get(key), {
          redisUrl: config.get('REDIS_URL') as string,
          llm,
          registry,
        }),
    }),
  ],
})
export class AppModule {}
