import { Module } from '@nestjs/common';
import { ChunkStore } from './chunk-store';
import { ChunkStores } from './chunk-stores';

@Module({
  providers: [
    ChunkStores,
    // The manuals' store, for the code that only ever works on the manuals.
    { provide: ChunkStore, inject: [ChunkStores], useFactory: (stores: ChunkStores) => stores.manuals },
  ],
  exports: [ChunkStores, ChunkStore],
})
export class VectorStoreModule {}
