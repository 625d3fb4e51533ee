import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ReadinessRegistry } from '@rma/service-core';
import { ChromaClient, Collection, Metadata, Where } from 'chromadb';
import { RagError } from '../common/rag.errors';
import type { RagServiceEnv } from '../config/env.schema';

/** Metadata and filter keys a document may use: Chroma refuses `$`-prefixed and empty keys. */
export const METADATA_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** What every stored chunk carries besides the document's own metadata; a document may not use these keys. */
export const RESERVED_METADATA_KEYS = [
  'documentId',
  'title',
  'source',
  'contentHash',
  'textHash',
  'chunkIndex',
  'chunkCount',
  'headings',
  'ingestedAt',
] as const;

/** What every chunk of one version of a document shares. */
export interface DocumentFields {
  documentId: string;
  title: string;
  source: string;
  /** Of the text, title, source and metadata: a changed document has a new one. */
  contentHash: string;
  /** Of the text alone: the same text under another name is a duplicate. */
  textHash: string;
  chunkCount: number;
  ingestedAt: string;
}

/** A stored chunk's metadata: the document's fields, its place, and the document's own metadata. */
export type ChunkMetadata = DocumentFields & { chunkIndex: number; headings: string } & Record<
    string,
    string | number | boolean
  >;

export interface StoredChunk {
  id: string;
  text: string;
  embedding: number[];
  metadata: ChunkMetadata;
}

export interface FoundChunk {
  id: string;
  text: string;
  metadata: ChunkMetadata;
  /** Cosine similarity, 1 for the same direction. */
  score: number;
}

/**
 * The manuals' chunks in one Chroma collection with cosine distance (the original used Chroma's L2
 * default by mistake). Embeddings come from @rma/llm-provider, never from Chroma.
 */
@Injectable()
export class ChunkStore implements OnModuleInit {
  private readonly logger = new Logger(ChunkStore.name);
  private readonly client: ChromaClient;
  private readonly url: string;
  private readonly collectionName: string;
  private opening?: Promise<Collection>;

  constructor(
    config: ConfigService<RagServiceEnv, true>,
    private readonly readiness: ReadinessRegistry,
  ) {
    this.url = config.get('CHROMA_URL');
    this.collectionName = config.get('CHROMA_COLLECTION');
    const url = new URL(this.url);
    this.client = new ChromaClient({
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
      ssl: url.protocol === 'https:',
    });
  }

  onModuleInit(): void {
    this.readiness.register('chroma', async () => {
      const started = performance.now();
      try {
        await this.client.heartbeat();
        return {
          up: true,
          details: { url: this.url, collection: this.collectionName, latencyMs: performance.now() - started },
        };
      } catch (error) {
        return { up: false, details: { url: this.url, error: (error as Error).message } };
      }
    });
  }

  async upsert(chunks: StoredChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    await this.call('store chunks', (collection) =>
      collection.upsert({
        ids: chunks.map((chunk) => chunk.id),
        embeddings: chunks.map((chunk) => chunk.embedding),
        documents: chunks.map((chunk) => chunk.text),
        metadatas: chunks.map((chunk) => chunk.metadata as Metadata),
      }),
    );
  }

  async query(
    embedding: number[],
    topK: number,
    filters: Record<string, string | number | boolean> = {},
  ): Promise<FoundChunk[]> {
    const result = await this.call('query', (collection) =>
      collection.query({
        queryEmbeddings: [embedding],
        nResults: topK,
        where: whereOf(filters),
        include: ['documents', 'metadatas', 'distances'],
      }),
    );
    return result.ids[0].map((id, index) => ({
      id,
      text: result.documents[0][index] ?? '',
      metadata: result.metadatas[0][index] as unknown as ChunkMetadata,
      score: 1 - (result.distances[0][index] ?? 1),
    }));
  }

  /** Chunks matching `filters`, with their text, in no particular order. */
  async find(
    filters: Record<string, string | number | boolean>,
    page: { limit?: number; offset?: number; withText?: boolean } = {},
  ): Promise<Array<{ id: string; text: string; metadata: ChunkMetadata }>> {
    const result = await this.call('read chunks', (collection) =>
      collection.get({
        where: whereOf(filters),
        limit: page.limit,
        offset: page.offset,
        include: page.withText ? ['documents', 'metadatas'] : ['metadatas'],
      }),
    );
    return result.ids.map((id, index) => ({
      id,
      text: result.documents?.[index] ?? '',
      metadata: result.metadatas[index] as unknown as ChunkMetadata,
    }));
  }

  async remove(where: Where): Promise<void> {
    await this.call('delete chunks', (collection) => collection.delete({ where }));
  }

  async count(): Promise<number> {
    return this.call('count chunks', (collection) => collection.count());
  }

  private async collection(): Promise<Collection> {
    this.opening ??= this.client
      .getOrCreateCollection({
        name: this.collectionName,
        embeddingFunction: null,
        configuration: { hnsw: { space: 'cosine' } },
        metadata: { purpose: 'advice manuals, chunked by rag-service' },
      })
      .catch((error: unknown) => {
        this.opening = undefined;
        throw error;
      });
    return this.opening;
  }

  /** A Chroma call with its failures as RagErrors that say what happened. */
  private async call<T>(what: string, action: (collection: Collection) => Promise<T>): Promise<T> {
    try {
      return await action(await this.collection());
    } catch (error) {
      const name = (error as Error).name ?? '';
      const message = (error as Error).message ?? String(error);
      if (/expecting embedding with dimension|dimension of \d+, got \d+/i.test(message)) {
        throw new RagError(
          'embedding_mismatch',
          `the collection ${this.collectionName} holds embeddings of another size (${message}): the embedding ` +
            'model changed; set a new CHROMA_COLLECTION and ingest again',
        );
      }
      this.logger.error(`Chroma call failed what="${what}" url=${this.url} error=${name} message="${message}"`);
      // Connection failures and server errors mean Chroma is away or broken; anything else is Chroma refusing
      // what we sent.
      if (
        name === 'ChromaConnectionError' ||
        name === 'ChromaServerError' ||
        /fetch failed|ECONNREFUSED|ENOTFOUND|timed? ?out/i.test(message)
      ) {
        throw new RagError('vector_store_unavailable', `the vector store at ${this.url} failed to ${what}: ${message}`);
      }
      throw new RagError('vector_store_rejected', `the vector store at ${this.url} refused to ${what}: ${message}`);
    }
  }
}

/** Chroma's where clause for exact matches on every key; undefined for none. */
export function whereOf(filters: Record<string, string | number | boolean>): Where | undefined {
  const entries = Object.entries(filters);
  if (entries.length === 0) return undefined;
  if (entries.length === 1) return { [entries[0][0]]: entries[0][1] } as Where;
  return { $and: entries.map(([key, value]) => ({ [key]: value })) } as Where;
}
