import { Module } from '@nestjs/common';
import { platformImports } from '@rma/service-platform';
import { SERVICE_NAME, validateEnv } from './config/env.schema';

@Module({
  imports: platformImports({
    serviceName: SERVICE_NAME,
    description: 'Answers questions from advisers over the advice manuals, with sources.',
    validate: validateEnv,
  }),
})
export class AppModule {}
