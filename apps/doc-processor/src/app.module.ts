import { DynamicModule, Module } from '@nestjs/common';
import { platformRoot } from '@rma/service-platform';
import { DocumentsExceptionFilter } from './common/documents-exception.filter';
import { SERVICE_NAME, validateEnv } from './config/env.schema';
import { DocumentsModule } from './documents/documents.module';

@Module({})
export class AppModule {
  /** The service; `env` replaces process.env (tests run several configurations in one process). */
  static forRoot(env?: Record<string, unknown>): DynamicModule {
    return platformRoot({
      module: AppModule,
      env,
      serviceName: SERVICE_NAME,
      description:
        "Reads clients' documents (PDFs, scans, photos, DOCX) into markdown, classifies them, pulls out the facts " +
        'and checks them. Documents are personal data: their text is never logged and everything expires.',
      validate: validateEnv,
      features: [DocumentsModule],
      exceptionFilter: DocumentsExceptionFilter,
    });
  }
}
