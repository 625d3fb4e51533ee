import { Module } from '@nestjs/common';
import { AskModule } from '../ask/ask.module';
import { ClientDocumentsModule } from '../client-documents/client-documents.module';
import { VectorStoreModule } from '../vector-store/vector-store.module';
import { EligibilityController } from './eligibility.controller';
import { EligibilityService } from './eligibility.service';

@Module({
  imports: [AskModule, ClientDocumentsModule, VectorStoreModule],
  controllers: [EligibilityController],
  providers: [EligibilityService],
})
export class EligibilityModule {}
