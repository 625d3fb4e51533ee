import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ServiceCoreModule, runtimeOptionsFromConfig } from '@rma/service-core';
import { SERVICE_NAME, validateEnv } from './config/env.schema';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, cache: true, validate: validateEnv }),
    ServiceCoreModule.forRootAsync({
      serviceName: SERVICE_NAME,
      description: 'Answers questions from advisers over the advice manuals, with sources.',
      inject: [ConfigService],
      useFactory: runtimeOptionsFromConfig,
    }),
  ],
})
export class AppModule {}
