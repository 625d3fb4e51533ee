import { Module } from '@nestjs/common';
import { VectorStoreModule } from '../vector-store/vector-store.module';
import { AskController } from './ask.controller';
import { AskService } from './ask.service';
import { RetrievalService } from './retrieval.service';

@Module({
  imports: [VectorStoreModule],
  controllers: [AskController],
  providers: [AskService, RetrievalService],
  exports: [RetrievalService],
})
export class AskModule {}
