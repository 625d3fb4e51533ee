import { Module } from '@nestjs/common';
import { ChunkStore } from './chunk-store';

@Module({ providers: [ChunkStore], exports: [ChunkStore] })
export class VectorStoreModule {}
