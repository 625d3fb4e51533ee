import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { platformImports } from '@rma/service-platform';
import { NotesExceptionFilter } from './common/notes-exception.filter';
import { SERVICE_NAME, validateEnv } from './config/env.schema';
import { LettersModule } from './letters/letters.module';

@Module({})
export class AppModule {
  /** The service; `env` replaces process.env (tests run several configurations in one process). */
  static forRoot(env?: Record<string, unknown>): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...platformImports({
          serviceName: SERVICE_NAME,
          description:
            'Turns case notes written by advisers into plain-language letters for clients. Notes and letters ' +
            'are personal data: they are never logged.',
          validate: (processEnv) => validateEnv(env ?? processEnv),
        }),
        LettersModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: NotesExceptionFilter }],
    };
  }
}
