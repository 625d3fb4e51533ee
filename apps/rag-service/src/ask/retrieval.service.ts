import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { RagError } from '../common/rag.errors';
import type { RagServiceEnv } from '../config/env.schema';
import { ChunkStore, FoundChunk, METADATA_KEY, RESERVED_METADATA_KEYS } from '../vector-store/chunk-store';
import { ChunkStores } from '../vector-store/chunk-stores';

/** A retrieved chunk and the collection it came from. */
export type RetrievedChunk = FoundChunk & { collection: 'manuals' | 'client' };

/** Where to look for chunks: the manuals, and the client's documents when a client is named. */
export interface RetrievalScope {
  topK?: number;
  filters?: Record<string, string | number | boolean>;
  /**
   * The caller's organisation (its key's, never the request body's): a clientId names that organisation's
   * client. The manuals are every organisation's.
   */
  organisation?: string;
  /** Also that client's documents; never any other client's, nor another organisation's. */
  clientId?: string;
}

/** The retrieval half of an ask: which chunks a question may see, and the nearest of them. */
@Injectable()
export class RetrievalService {
  private readonly topK: number;

  constructor(
    private readonly stores: ChunkStores,
    config: ConfigService<RagServiceEnv, true>,
  ) {
    this.topK = config.get('ASK_TOP_K');
  }

  /** Refuses bad filters or a bad clientId before any work: the service is also called from code no DTO checked. */
  checkScope(scope: RetrievalScope): void {
    this.checkFilters(scope.filters);
    if (scope.clientId !== undefined) this.clientStore(scope);
  }

  /**
   * The nearest chunks of the manuals and, for a client, of that client's documents (none yet: just the
   * manuals), merged by score. Scores compare across the two: one embedding model, cosine in both. The
   * request's filters narrow a search within a collection; which collections are searched comes from the
   * organisation and client alone, so no filter reaches another organisation's documents.
   */
  async search(
    vector: number[],
    scope: RetrievalScope,
    options: { signal?: AbortSignal } = {},
  ): Promise<RetrievedChunk[]> {
    const topK = scope.topK ?? this.topK;
    const [manuals, client] = await Promise.all([
      this.stores.manuals.query(vector, topK, scope.filters, options),
      scope.clientId ? this.clientStore(scope).query(vector, topK, scope.filters, options) : [],
    ]);
    return [
      ...manuals.map((chunk): RetrievedChunk => ({ ...chunk, collection: 'manuals' })),
      ...client.map((chunk): RetrievedChunk => ({ ...chunk, collection: 'client' })),
    ]
      .sort((a, b) => b.score - a.score)
      .slice(0, topK);
  }

  /** The store of the scope's client; without the caller's organisation no client can be searched. */
  private clientStore(scope: RetrievalScope): ChunkStore {
    if (!scope.organisation) throw new Error('a client was named without the caller organisation: a wiring bug');
    return this.stores.forClient(scope.organisation, scope.clientId as string);
  }

  private checkFilters(filters: RetrievalScope['filters']): void {
    for (const [key, value] of Object.entries(filters ?? {})) {
      if (!METADATA_KEY.test(key)) {
        throw new RagError(
          'invalid_filter',
          `filter key "${key.slice(0, 80)}" is not a metadata key: use letters, digits, _ . or -`,
        );
      }
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw new RagError('invalid_filter', `filters.${key} must be a string, number or boolean`);
      }
      if (
        (RESERVED_METADATA_KEYS as readonly string[]).includes(key) &&
        key !== 'documentId' &&
        key !== 'source' &&
        key !== 'title'
      ) {
        throw new RagError(
          'invalid_filter',
          `filters.${key} is internal; filter on documentId, title, source or your own metadata`,
        );
      }
    }
  }
}
