import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { platformImports } from '@rma/service-platform';
import { AskModule } from './ask/ask.module';
import { RagExceptionFilter } from './common/rag-exception.filter';
import { SERVICE_NAME, validateEnv } from './config/env.schema';
import { DocumentsModule } from './documents/documents.module';

@Module({})
export class AppModule {
  /** The service; `env` replaces process.env (tests run several configurations in one process). */
  static forRoot(env?: Record<string, unknown>): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...platformImports({
          serviceName: SERVICE_NAME,
          description: "Answers advisers' questions from the advice manuals, with sources.",
          validate: (processEnv) => validateEnv(env ?? processEnv),
        }),
        DocumentsModule,
        AskModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: RagExceptionFilter }],
    };
  }
}
