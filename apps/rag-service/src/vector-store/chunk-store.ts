import { Logger } from '@nestjs/common';
import { ChromaClient, ChromaNotFoundError, Collection, Metadata, Where } from 'chromadb';
import { boundedWait } from '@rma/service-core';
import { RagError } from '../common/rag.errors';

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
  'ingestFence',
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
  /**
   * The fencing token of the ingest lock that wrote this version: an ingest removes only versions with a
   * smaller one, so an ingest that lost its lock cannot delete a newer version. Absent on chunks stored
   * before fencing (they count as older than any).
   */
  ingestFence?: number;
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

/** Which collection a store is, and what to do when it must be rebuilt. */
export interface ChunkStoreOptions {
  /** The Chroma server's URL, for messages. */
  url: string;
  /** How long one call may take: past it Chroma counts as unavailable (its client takes no signal). */
  timeoutMs: number;
  name: string;
  /** Stored as the collection's metadata when it is created. */
  purpose: string;
  /** More of the collection's metadata, stored when it is created. */
  labels?: Record<string, string>;
  /**
   * Whether reading creates the collection (the manuals'); otherwise reading a collection that does not
   * exist finds nothing, and only storing creates it (a client's: a client without documents has none).
   */
  createOnRead: boolean;
  /** What an operator does when the collection holds embeddings of another size. */
  onMismatch: string;
}

/**
 * Chunks in one Chroma collection with cosine distance (the original used Chroma's L2 default by
 * mistake). Embeddings come from @rma/llm-provider, never from Chroma. Made by ChunkStores.
 */
export class ChunkStore {
  private readonly logger = new Logger(ChunkStore.name);
  private opening?: Promise<Collection>;

  constructor(
    private readonly chroma: ChromaClient,
    readonly options: ChunkStoreOptions,
  ) {}

  get name(): string {
    return this.options.name;
  }

  async upsert(chunks: StoredChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    await this.call('store chunks', { create: true }, (collection) =>
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
    options: { signal?: AbortSignal } = {},
  ): Promise<FoundChunk[]> {
    const result = await this.call('query', { signal: options.signal }, (collection) =>
      collection.query({
        queryEmbeddings: [embedding],
        nResults: topK,
        where: whereOf(filters),
        include: ['documents', 'metadatas', 'distances'],
      }),
    );
    if (!result) return [];
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
    const result = await this.call('read chunks', {}, (collection) =>
      collection.get({
        where: whereOf(filters),
        limit: page.limit,
        offset: page.offset,
        include: page.withText ? ['documents', 'metadatas'] : ['metadatas'],
      }),
    );
    if (!result) return [];
    return result.ids.map((id, index) => ({
      id,
      text: result.documents?.[index] ?? '',
      metadata: result.metadatas[index] as unknown as ChunkMetadata,
    }));
  }

  async remove(where: Where): Promise<void> {
    await this.call('delete chunks', {}, (collection) => collection.delete({ where }));
  }

  async removeIds(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.call('delete chunks', {}, (collection) => collection.delete({ ids }));
  }

  async count(): Promise<number> {
    return (await this.call('count chunks', {}, (collection) => collection.count())) ?? 0;
  }

  /** The collection; undefined when it does not exist and this call may not create it. */
  private async collection(create: boolean): Promise<Collection | undefined> {
    if (this.opening) return this.opening;
    if (!create && !this.options.createOnRead) {
      // Not cached while missing: the next store creates it, and reads must see it then.
      try {
        const found = await this.chroma.getCollection({ name: this.options.name, embeddingFunction: undefined });
        this.opening ??= Promise.resolve(found);
        return found;
      } catch (error) {
        if (error instanceof ChromaNotFoundError || /does not exist|not found/i.test((error as Error).message)) {
          return undefined;
        }
        throw error;
      }
    }
    this.opening = this.chroma
      .getOrCreateCollection({
        name: this.options.name,
        embeddingFunction: null,
        configuration: { hnsw: { space: 'cosine' } },
        metadata: { ...this.options.labels, purpose: this.options.purpose },
      })
      .catch((error: unknown) => {
        this.opening = undefined;
        throw error;
      });
    return this.opening;
  }

  /**
   * A Chroma call with its failures as RagErrors that say what happened; undefined when the collection
   * does not exist and the call may not create it.
   */
  private async call<T>(
    what: string,
    mode: { create?: boolean; signal?: AbortSignal },
    action: (collection: Collection) => Promise<T>,
  ): Promise<T | undefined> {
    const { url, name, timeoutMs } = this.options;
    try {
      // Chroma's client takes no signal: an abandoned call finishes unobserved.
      return await boundedWait(
        (async () => {
          const collection = await this.collection(mode.create ?? false);
          return collection ? await action(collection) : undefined;
        })(),
        { ms: timeoutMs, late: () => new ChromaTimeoutError(), signal: mode.signal },
      );
    } catch (error) {
      if (mode.signal?.aborted && error === mode.signal.reason) throw error;
      if (error instanceof ChromaTimeoutError) {
        this.logger.error(`Chroma call timed out what="${what}" url=${url} collection=${name} timeoutMs=${timeoutMs}`);
        throw new RagError(
          'vector_store_unavailable',
          `the vector store at ${url} did not ${what} within CHROMA_TIMEOUT_MS (${timeoutMs} ms); try again shortly`,
        );
      }
      const kind = (error as Error).name ?? '';
      const message = (error as Error).message ?? String(error);
      if (/expecting embedding with dimension|dimension of \d+, got \d+/i.test(message)) {
        throw new RagError(
          'embedding_mismatch',
          `the collection ${name} holds embeddings of another size (${sizesIn(message)}): the embedding model ` +
            `changed; ${this.options.onMismatch}`,
        );
      }
      this.logger.error(
        `Chroma call failed what="${what}" url=${url} collection=${name} error=${kind} message="${message}"`,
      );
      // Connection failures and server errors mean Chroma is away or broken; anything else is Chroma refusing
      // what we sent.
      if (
        kind === 'ChromaConnectionError' ||
        kind === 'ChromaServerError' ||
        /fetch failed|ECONNREFUSED|ENOTFOUND|timed? ?out/i.test(message)
      ) {
        throw new RagError(
          'vector_store_unavailable',
          `the vector store at ${url} failed to ${what} (${nameOf(kind)})`,
        );
      }
      // Chroma's text stays in the log line (through the allowlist): it can quote what was sent, metadata
      // values such as a client's document title, so the answer names only the kind of error.
      throw new RagError('vector_store_rejected', `the vector store at ${url} refused to ${what} (${nameOf(kind)})`);
    }
  }
}

class ChromaTimeoutError extends Error {}

/** An error's class name when it is one (ChromaNotFoundError), else a word that says nothing of the text. */
function nameOf(kind: string): string {
  return /^[A-Za-z]{1,60}$/.test(kind) ? kind : 'an error';
}

/** The sizes Chroma's dimension refusal names ("dimension of 384, got 768"), without the rest of its text. */
function sizesIn(message: string): string {
  const sizes = message.match(/\d+/g) ?? [];
  return sizes.length > 0 ? `sizes ${sizes.slice(0, 2).join(' and ')}` : 'another size';
}

/** Chroma's where clause for exact matches on every key; undefined for none. */
export function whereOf(filters: Record<string, string | number | boolean>): Where | undefined {
  const entries = Object.entries(filters);
  if (entries.length === 0) return undefined;
  if (entries.length === 1) return { [entries[0][0]]: entries[0][1] } as Where;
  return { $and: entries.map(([key, value]) => ({ [key]: value })) } as Where;
}
