import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CLIENT_ID, CLIENT_ID_MESSAGE, ReadinessRegistry } from '@rma/service-core';
import { ChromaClient } from 'chromadb';
import { RagError } from '../common/rag.errors';
import type { RagServiceEnv } from '../config/env.schema';
import { ChunkStore } from './chunk-store';

/** Client stores kept open at once; one more drops the least recently used (it reopens on its next use). */
const OPEN_CLIENT_STORES = 500;

/**
 * The chunk stores on the one Chroma server: the manuals' collection (CHROMA_COLLECTION) and one collection
 * per client (CLIENT_COLLECTION_PREFIX + the client's id) for the documents doc-processor sends. A client's
 * chunks live only in that client's collection, so no query without its id can reach them.
 */
@Injectable()
export class ChunkStores implements OnModuleInit {
  readonly manuals: ChunkStore;
  private readonly chroma: ChromaClient;
  private readonly url: string;
  private readonly clientPrefix: string;
  private readonly timeoutMs: number;
  private readonly clients = new Map<string, ChunkStore>();

  constructor(
    config: ConfigService<RagServiceEnv, true>,
    private readonly readiness: ReadinessRegistry,
  ) {
    this.url = config.get('CHROMA_URL');
    this.clientPrefix = config.get('CLIENT_COLLECTION_PREFIX');
    const url = new URL(this.url);
    this.chroma = new ChromaClient({
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
      ssl: url.protocol === 'https:',
    });
    this.timeoutMs = config.get('CHROMA_TIMEOUT_MS');
    this.manuals = new ChunkStore(this.chroma, {
      url: this.url,
      timeoutMs: this.timeoutMs,
      name: config.get('CHROMA_COLLECTION'),
      purpose: 'advice manuals, chunked by rag-service',
      createOnRead: true,
      onMismatch: 'set a new CHROMA_COLLECTION and ingest again',
    });
  }

  onModuleInit(): void {
    this.readiness.register('chroma', async () => {
      const started = performance.now();
      try {
        await this.chroma.heartbeat();
        return {
          up: true,
          details: { url: this.url, collection: this.manuals.name, latencyMs: performance.now() - started },
        };
      } catch (error) {
        return { up: false, details: { url: this.url, error: (error as Error).message } };
      }
    });
  }

  /** The store of one client's documents; reading it before anything was stored finds nothing. */
  forClient(clientId: string): ChunkStore {
    if (!CLIENT_ID.test(clientId)) {
      throw new RagError('invalid_client_id', CLIENT_ID_MESSAGE);
    }
    let store = this.clients.get(clientId);
    if (store) {
      this.clients.delete(clientId);
    } else {
      store = new ChunkStore(this.chroma, {
        url: this.url,
        timeoutMs: this.timeoutMs,
        name: clientCollectionName(this.clientPrefix, clientId),
        purpose: "a client's documents from doc-processor, chunked by rag-service",
        createOnRead: false,
        onMismatch: "delete the collection and have doc-processor send the client's documents again",
      });
    }
    this.clients.set(clientId, store);
    if (this.clients.size > OPEN_CLIENT_STORES) this.clients.delete(this.clients.keys().next().value as string);
    return store;
  }
}

/**
 * The Chroma collection of a client: the prefix and the id, which Chroma takes as they are unless the id ends
 * in - or _ (Chroma names end in a letter or digit); then `.c` follows. Ids never hold a dot, so no two
 * clients share a name.
 */
export function clientCollectionName(prefix: string, clientId: string): string {
  return `${prefix}${clientId}${/[-_]$/.test(clientId) ? '.c' : ''}`;
}
