import { Module } from '@nestjs/common';
import { platformImports } from '@rma/service-platform';
import { SERVICE_NAME, validateEnv } from './config/env.schema';

@Module({
  imports: platformImports({
    serviceName: SERVICE_NAME,
    description: 'Runs generation jobs from the queue, for deployments that scale workers apart from the services.',
    validate: validateEnv,
  }),
})
export class AppModule {}
