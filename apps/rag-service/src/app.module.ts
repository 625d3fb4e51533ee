import { DynamicModule, Module } from '@nestjs/common';
import { platformRoot } from '@rma/service-platform';
import { AskModule } from './ask/ask.module';
import { ClientDocumentsModule } from './client-documents/client-documents.module';
import { RagExceptionFilter } from './common/rag-exception.filter';
import { SERVICE_NAME, validateEnv } from './config/env.schema';
import { DocumentsModule } from './documents/documents.module';
import { EligibilityModule } from './eligibility/eligibility.module';

@Module({})
export class AppModule {
  /** The service; `env` replaces process.env (tests run several configurations in one process). */
  static forRoot(env?: Record<string, unknown>): DynamicModule {
    return platformRoot({
      module: AppModule,
      env,
      serviceName: SERVICE_NAME,
      description:
        "Answers advisers' questions from the advice manuals (and a client's own documents), with sources, " +
        'and decides which debt solutions a client can use.',
      validate: validateEnv,
      features: [DocumentsModule, AskModule, ClientDocumentsModule, EligibilityModule],
      exceptionFilter: RagExceptionFilter,
    });
  }
}
