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
      description: 'Reads and files client documents: letters, statements and scans.',
      inject: [ConfigService],
      useFactory: runtimeOptionsFromConfig,
    }),
    LlmProviderModule.forRootAsync({
      inject: [ConfigService, Registry],
      useFactory: (config: ConfigService, registry: Registry) =>
        llmOptionsFromConfig((key) => config.get(key), registry),
    }),
    // Every generation goes through the queue; this process hosts workers unless GENERATION_WORKERS=false.
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
