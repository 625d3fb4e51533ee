import { Module } from '@nestjs/common';
import { platformImports } from '@rma/service-platform';
import { SERVICE_NAME, validateEnv } from './config/env.schema';

@Module({
  imports: platformImports({
    serviceName: SERVICE_NAME,
    description: 'Turns case notes written by advisers into plain-language letters for clients.',
    validate: validateEnv,
  }),
})
export class AppModule {}
