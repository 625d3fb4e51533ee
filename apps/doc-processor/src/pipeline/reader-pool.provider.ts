import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ReadinessRegistry } from '@rma/service-core';
import type { DocProcessorEnv } from '../config/env.schema';
import { ReaderPool } from '../reading/reader-pool';

/** The app's one pool of reader child processes, sized and limited from the environment. */
@Injectable()
export class ReaderPoolHost implements OnModuleInit, OnApplicationShutdown {
  readonly pool: ReaderPool;

  constructor(
    config: ConfigService<DocProcessorEnv, true>,
    private readonly readiness: ReadinessRegistry,
  ) {
    const get = <Key extends keyof DocProcessorEnv>(key: Key) => config.get(key, { infer: true });
    this.pool = new ReaderPool({
      size: get('READER_POOL_SIZE'),
      memoryMb: get('READER_MEMORY_MB'),
      pagesPerChild: get('READER_PAGES_PER_CHILD'),
      inspectTimeoutMs: get('INSPECT_TIMEOUT_MS'),
      pageTimeoutMs: get('PAGE_TIMEOUT_MS'),
      limits: {
        maxPages: get('DOCUMENT_MAX_PAGES'),
        maxPixelsPerPage: get('PAGE_MAX_PIXELS'),
        maxTotalPixels: get('DOCUMENT_MAX_PIXELS'),
        maxDocxUncompressedBytes: get('DOCX_MAX_UNCOMPRESSED_BYTES'),
        maxCompressionRatio: get('DOCX_MAX_COMPRESSION_RATIO'),
      },
    });
  }

  onModuleInit(): void {
    // The pool starts its children on demand and replaces dead ones, so it is up while it is open.
    this.readiness.register('ocr', async () => {
      const stats = this.pool.stats();
      return { up: !this.pool.closed, details: { ...stats } };
    });
  }

  onApplicationShutdown(): Promise<void> {
    return this.pool.close();
  }
}
