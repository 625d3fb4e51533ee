import { Module } from '@nestjs/common';
import { VectorStoreModule } from '../vector-store/vector-store.module';
import { AskBatches } from './ask-batches';
import { AskController } from './ask.controller';
import { AskService } from './ask.service';
import { RetrievalService } from './retrieval.service';

@Module({
  imports: [VectorStoreModule],
  controllers: [AskController],
  providers: [AskService, AskBatches, RetrievalService],
  exports: [RetrievalService],
})
export class AskModule {}
