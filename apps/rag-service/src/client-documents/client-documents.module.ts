import { Module } from '@nestjs/common';
import { DocumentsModule } from '../documents/documents.module';
import { VectorStoreModule } from '../vector-store/vector-store.module';
import { ClientDocumentsController } from './client-documents.controller';
import { ClientDocumentsService } from './client-documents.service';

@Module({
  imports: [DocumentsModule, VectorStoreModule],
  controllers: [ClientDocumentsController],
  providers: [ClientDocumentsService],
})
export class ClientDocumentsModule {}
