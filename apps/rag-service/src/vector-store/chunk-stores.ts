import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CLIENT_ID, CLIENT_ID_MESSAGE, LOCAL_ORGANISATION, ReadinessRegistry, organisationScoped } from '@rma/service-core';
import { ChromaClient } from 'chromadb';
import { createHash } from 'node:crypto';
import { RagError } from '../common/rag.errors';
import type { RagServiceEnv } from '../config/env.schema';
import { ChunkStore } from './chunk-store';

/** Client stores kept open at once; one more drops the least recently used (it reopens on its next use). */
const OPEN_CLIENT_STORES = 500;

/**
 * The chunk stores on the one Chroma server: the manuals' collection (CHROMA_COLLECTION), shared by every
 * organisation, and one collection per organisation and client (see clientCollectionName) for the documents
 * doc-processor sends. A client's chunks live only in that collection, so no query without both the
 * organisation (the caller's key's, never the request's) and the client's id can reach them.
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

  /**
   * The store of one client of one organisation; reading it before anything was stored finds nothing. The
   * same client id in two organisations is two clients.
   */
  forClient(organisation: string, clientId: string): ChunkStore {
    if (!CLIENT_ID.test(clientId)) {
      throw new RagError('invalid_client_id', CLIENT_ID_MESSAGE);
    }
    const name = clientCollectionName(this.clientPrefix, organisation, clientId);
    let store = this.clients.get(name);
    if (store) {
      this.clients.delete(name);
    } else {
      store = new ChunkStore(this.chroma, {
        url: this.url,
        timeoutMs: this.timeoutMs,
        name,
        purpose: "a client's documents from doc-processor, chunked by rag-service",
        // An operator reading the collections sees whose each is (a hashed name does not say).
        labels: { organisation, clientId },
        createOnRead: false,
        onMismatch: "delete the collection and have doc-processor send the client's documents again",
      });
    }
    this.clients.set(name, store);
    if (this.clients.size > OPEN_CLIENT_STORES) this.clients.delete(this.clients.keys().next().value as string);
    return store;
  }
}

/**
 * The Chroma collection of a client of an organisation. For LOCAL_ORGANISATION (auth off, and every client
 * collection stored before tenancy): the prefix and the id, which Chroma takes as they are unless the id
 * ends in - or _ (Chroma names end in a letter or digit); then `.c` follows. For any other organisation:
 * the prefix, `o` and 16 hex digits of the organisation's hash, `.`, and 24 hex digits of the client id's
 * hash, so that the name stays within 63 characters. Ids never hold a dot, and the character before a
 * local name's dot is - or _ (a hex digit in the others'), so no two clients share a name.
 */
export function clientCollectionName(prefix: string, organisation: string, clientId: string): string {
  if (organisation === LOCAL_ORGANISATION) return `${prefix}${clientId}${/[-_]$/.test(clientId) ? '.c' : ''}`;
  const client = createHash('sha256').update(clientId).digest('hex').slice(0, 24);
  return `${prefix}${organisationScoped(organisation, client)}`;
}
