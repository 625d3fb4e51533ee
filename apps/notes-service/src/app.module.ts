import { DynamicModule, Module } from '@nestjs/common';
import { platformRoot } from '@rma/service-platform';
import { NotesExceptionFilter } from './common/notes-exception.filter';
import { SERVICE_NAME, validateEnv } from './config/env.schema';
import { LettersModule } from './letters/letters.module';

@Module({})
export class AppModule {
  /** The service; `env` replaces process.env (tests run several configurations in one process). */
  static forRoot(env?: Record<string, unknown>): DynamicModule {
    return platformRoot({
      module: AppModule,
      env,
      serviceName: SERVICE_NAME,
      description:
        'Turns case notes written by advisers into plain-language letters for clients. Notes and letters ' +
        'are personal data: they are never logged.',
      validate: validateEnv,
      features: [LettersModule],
      exceptionFilter: NotesExceptionFilter,
    });
  }
}
