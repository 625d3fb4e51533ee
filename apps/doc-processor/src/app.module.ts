import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { LlmProviderModule, llmOptionsFromConfig } from '@rma/llm-provider';
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
  ],
})
export class AppModule {}
