import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MulterModule } from '@nestjs/platform-express';
import type { DocProcessorEnv } from '../config/env.schema';
import { DocumentAnalysisService } from '../pipeline/document-analysis.service';
import { DocumentHandoffService } from '../pipeline/document-handoff.service';
import { DocumentMetrics } from '../pipeline/document-metrics';
import { DocumentPipelineService } from '../pipeline/document-pipeline.service';
import { PageReadingService } from '../pipeline/page-reading.service';
import { ReaderPoolHost } from '../pipeline/reader-pool.provider';
import { DocumentStore } from './document-store';
import { DocumentsController } from './documents.controller';
import { DocumentsService } from './documents.service';

@Module({
  imports: [
    MulterModule.registerAsync({
      inject: [ConfigService],
      // One file per upload, held in memory (multer's default storage) up to DOCUMENT_UPLOAD_MAX_BYTES (multer answers 413 past it).
      useFactory: (config: ConfigService<DocProcessorEnv, true>) => ({
        limits: { fileSize: config.get('DOCUMENT_UPLOAD_MAX_BYTES', { infer: true }), files: 1, fields: 10 },
      }),
    }),
  ],
  controllers: [DocumentsController],
  providers: [
    DocumentStore,
    DocumentsService,
    DocumentMetrics,
    ReaderPoolHost,
    PageReadingService,
    DocumentAnalysisService,
    DocumentHandoffService,
    DocumentPipelineService,
  ],
})
export class DocumentsModule {}
