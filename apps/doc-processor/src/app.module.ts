import { Module } from '@nestjs/common';
import { platformImports } from '@rma/service-platform';
import { SERVICE_NAME, validateEnv } from './config/env.schema';

@Module({
  imports: platformImports({
    serviceName: SERVICE_NAME,
    description: 'Reads and files client documents: letters, statements and scans.',
    validate: validateEnv,
  }),
})
export class AppModule {}
