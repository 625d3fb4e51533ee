import { Module } from '@nestjs/common';
import { DocumentsModule } from '../documents/documents.module';
import { VectorStoreModule } from '../vector-store/vector-store.module';
import { ClientDocumentFigures } from './client-document-figures';
import { ClientDocumentsController } from './client-documents.controller';
import { ClientDocumentsService } from './client-documents.service';

@Module({
  imports: [DocumentsModule, VectorStoreModule],
  controllers: [ClientDocumentsController],
  providers: [ClientDocumentsService, ClientDocumentFigures],
  // The eligibility check reads the figures to pre-fill a client's debts and income.
  exports: [ClientDocumentFigures],
})
export class ClientDocumentsModule {}
