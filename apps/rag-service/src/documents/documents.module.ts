import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MulterModule } from '@nestjs/platform-express';
import type { RagServiceEnv } from '../config/env.schema';
import { VectorStoreModule } from '../vector-store/vector-store.module';
import { DocumentsController } from './documents.controller';
import { DocumentsService } from './documents.service';
import { DocumentLocks } from './document-locks';
import { IngestJobs } from './ingest-jobs';
import { ManualsLoader } from './manuals.loader';

@Module({
  imports: [
    VectorStoreModule,
    MulterModule.registerAsync({
      inject: [ConfigService],
      // No storage given: multer keeps the file in memory (the size limit bounds it).
      useFactory: (config: ConfigService<RagServiceEnv, true>) => ({
        limits: { fileSize: config.get('UPLOAD_MAX_BYTES'), files: 1 },
      }),
    }),
  ],
  controllers: [DocumentsController],
  providers: [DocumentsService, IngestJobs, DocumentLocks, ManualsLoader],
  exports: [DocumentsService],
})
export class DocumentsModule {}
