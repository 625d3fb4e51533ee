import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LlmClient } from '@rma/llm-provider';
import type { RedisLease } from '@rma/service-core';
import { createHash } from 'node:crypto';
import { RagError } from '../common/rag.errors';
import { WorkSlots } from '../common/work-slots';
import type { RagServiceEnv } from '../config/env.schema';
import {
  ChunkMetadata,
  ChunkStore,
  DocumentFields,
  METADATA_KEY,
  RESERVED_METADATA_KEYS,
  StoredChunk,
} from '../vector-store/chunk-store';
import { DocumentLocks } from './document-locks';
import { IngestJob, IngestJobs } from './ingest-jobs';
import { ManualChunk, ManualTextSplitter } from './manual-text-splitter';

export interface DocumentInput {
  text: string;
  title: string;
  source?: string;
  format: 'markdown' | 'text';
  metadata: Record<string, unknown>;
  /**
   * The sender's own id for the document (doc-processor's). Without it the id comes from the source (or
   * title), and the same text under another source is a duplicate; with it, the sender decides what is
   * one document, so nothing is a duplicate.
   */
  documentId?: string;
  /** The sender's identity of this version (doc-processor: the uploaded file's sha256); by default a hash of the content. */
  contentHash?: string;
}

export interface IngestOptions {
  /** Ingest now even when the document is large enough for a background job. */
  inline?: boolean;
  /** Where the chunks go; the manuals' collection by default. */
  store?: ChunkStore;
  /**
   * The organisation of the caller: a background job is its alone (GET /documents/jobs/:id). Needed for any
   * ingest that may become a job (not `inline`).
   */
  organisation?: string;
  /** The request's deadline (an inline ingest): past it the ingest stops before its next write. */
  signal?: AbortSignal;
}

export type IngestOutcome =
  | { status: 'created' | 'replaced' | 'unchanged' | 'duplicate'; documentId: string; title: string; chunks: number }
  | { status: 'queued'; documentId: string; title: string; chunks: number; jobId: string };

export interface DocumentSummary {
  id: string;
  title: string;
  source: string;
  chunks: number;
  ingestedAt: string;
  metadata: Record<string, string | number | boolean>;
}

/** One version of a document, split, on its way into a store under its document's lock. */
interface DocumentVersion {
  store: ChunkStore;
  lock: RedisLease;
  pieces: ManualChunk[];
  base: DocumentFields;
  metadata: Record<string, string | number | boolean>;
  /** The caller's deadline (inline ingests only). */
  signal?: AbortSignal;
}

/** Chunks embedded and stored per step of an ingest: one embedding request or a few, one Chroma write. */
const STORE_BATCH = 64;

/**
 * Ingests documents into a chunk store (the manuals' unless told another: a client's, for the documents
 * doc-processor sends): split, embed in batches through @rma/llm-provider, store.
 * Idempotent: a document is identified by its source (or title, or the sender's id); the same content again
 * adds nothing, the same text under another name is reported as a duplicate, and a changed document
 * replaces its chunks. Locks are per document id in every store: two ids that meet only wait for each other.
 */
@Injectable()
export class DocumentsService {
  private readonly logger = new Logger(DocumentsService.name);
  private readonly splitter: ManualTextSplitter;
  private readonly jobMinChunks: number;
  private readonly jobSlots: WorkSlots;

  constructor(
    private readonly store: ChunkStore,
    private readonly llm: LlmClient,
    private readonly jobs: IngestJobs,
    private readonly locks: DocumentLocks,
    config: ConfigService<RagServiceEnv, true>,
  ) {
    this.splitter = new ManualTextSplitter({
      chunkSize: config.get('CHUNK_SIZE'),
      chunkOverlap: config.get('CHUNK_OVERLAP'),
    });
    this.jobMinChunks = config.get('INGEST_JOB_MIN_CHUNKS');
    this.jobSlots = new WorkSlots({
      concurrency: config.get('INGEST_JOBS_CONCURRENCY'),
      maxWaiting: config.get('INGEST_JOBS_MAX_WAITING'),
    });
  }

  /** Ingests now, or (above INGEST_JOB_MIN_CHUNKS, unless `inline`) as a background job with progress. */
  async ingest(input: DocumentInput, options: IngestOptions = {}): Promise<IngestOutcome> {
    const store = options.store ?? this.store;
    const text = input.text.replace(/\r\n?/g, '\n').trim();
    if (!text) throw new RagError('empty_document', 'the document has no text: send text, or a file with text in it');
    const metadata = flatMetadata(input.metadata);
    const source = input.source ?? input.title;
    const documentId = input.documentId ?? `doc_${sha256(source).slice(0, 20)}`;
    const textHash = sha256(text);
    const contentHash =
      input.contentHash ?? sha256(JSON.stringify([text, input.title, source, Object.entries(metadata).sort()]));
    const title = input.title;

    const lock = await this.locks.acquire(documentId);
    if (!lock) {
      throw new RagError(
        'ingest_in_progress',
        `document ${documentId} is being ingested right now; send it again when that has finished`,
      );
    }
    let released = false;
    try {
      // A version is complete once its chunk 0 is stored: chunk 0 is always written last.
      const current = await store.find({ documentId, chunkIndex: 0 }, { limit: 10 });
      const same = current.find((chunk) => chunk.metadata.contentHash === contentHash);
      if (same) {
        // Versions left by an ingest that replaced this one half way (its process died) go now.
        await this.removeOtherVersions({ store, lock, base: { documentId, contentHash } });
        return { status: 'unchanged', documentId, title, chunks: same.metadata.chunkCount };
      }
      // The same text under another name is a duplicate; new text for an existing source is not.
      const twin =
        current.length === 0 && input.documentId === undefined
          ? (await store.find({ textHash, chunkIndex: 0 }, { limit: 10 })).find(
              (chunk) => chunk.metadata.documentId !== documentId,
            )
          : undefined;
      if (twin) {
        return {
          status: 'duplicate',
          documentId: twin.metadata.documentId,
          title: twin.metadata.title,
          chunks: twin.metadata.chunkCount,
        };
      }

      const pieces = await this.splitter.splitManual(text, { markdown: input.format === 'markdown' });
      const base: DocumentFields = {
        documentId,
        title,
        source,
        contentHash,
        textHash,
        chunkCount: pieces.length,
        ingestedAt: new Date().toISOString(),
        ingestFence: lock.token,
      };
      const status = current.length > 0 ? 'replaced' : 'created';
      if (pieces.length > this.jobMinChunks && !options.inline) {
        const { organisation } = options;
        if (!organisation)
          throw new Error('an ingest that may run as a job was started without the caller organisation');
        const turn = this.jobSlots.tryEnter();
        if (!turn) {
          throw new RagError(
            'ingest_busy',
            'too many large documents are waiting to be ingested (INGEST_JOBS_MAX_WAITING); send it again shortly',
          );
        }
        const job = await this.jobs
          .create({ documentId, title, chunksTotal: pieces.length, organisation })
          .catch((error) => {
            void turn.then(() => this.jobSlots.leave());
            throw error;
          });
        released = true; // the job releases the lock when it ends
        void this.runJob(job, { store, lock, pieces, base, metadata }, turn).finally(() => {
          this.jobSlots.leave();
          return lock.release();
        });
        return { status: 'queued', documentId, title, chunks: pieces.length, jobId: job.id };
      }
      await this.storeChunks({ store, lock, pieces, base, metadata, signal: options.signal });
      this.logger.log(
        `Document ingested collection=${store.name} documentId=${documentId} status=${status} chunks=${pieces.length} chars=${text.length}`,
      );
      return { status, documentId, title, chunks: pieces.length };
    } finally {
      if (!released) await lock.release();
    }
  }

  async list(page: {
    limit: number;
    offset: number;
  }): Promise<{ items: DocumentSummary[]; total: number; limit: number; offset: number }> {
    // One read of every document's first chunk (one small record per document version) gives the total
    // and the page. During a replacement both complete versions exist for a moment: the newest counts.
    const newest = new Map<string, ChunkMetadata>();
    for (const chunk of await this.store.find({ chunkIndex: 0 })) {
      const seen = newest.get(chunk.metadata.documentId);
      if (!seen || chunk.metadata.ingestedAt > seen.ingestedAt) newest.set(chunk.metadata.documentId, chunk.metadata);
    }
    const ordered = [...newest.values()].sort(
      (a, b) => a.title.localeCompare(b.title) || a.documentId.localeCompare(b.documentId),
    );
    return {
      items: ordered.slice(page.offset, page.offset + page.limit).map(summaryOf),
      total: ordered.length,
      ...page,
    };
  }

  async get(
    documentId: string,
  ): Promise<DocumentSummary & { chunkTexts: Array<{ index: number; headings: string; text: string }> }> {
    const chunks = await this.store.find({ documentId }, { withText: true });
    // The newest complete version (one whose chunk 0, written last, is there); a partial one is not shown.
    const complete = chunks
      .filter((chunk) => chunk.metadata.chunkIndex === 0)
      .sort((a, b) => b.metadata.ingestedAt.localeCompare(a.metadata.ingestedAt))[0];
    if (!complete) throw notFound();
    const version = chunks
      .filter((chunk) => chunk.metadata.contentHash === complete.metadata.contentHash)
      .sort((a, b) => a.metadata.chunkIndex - b.metadata.chunkIndex);
    return {
      ...summaryOf(version[0].metadata),
      chunkTexts: version.map((chunk) => ({
        index: chunk.metadata.chunkIndex,
        headings: chunk.metadata.headings,
        text: chunk.text,
      })),
    };
  }

  async remove(documentId: string): Promise<void> {
    if ((await this.delete(documentId, { store: this.store })) === 0) throw notFound();
  }

  /**
   * Removes every chunk of the document from the store and says how many there were (0: no such document).
   * Not while the document is being ingested: its remaining chunks would bring it back.
   */
  async delete(documentId: string, target: { store: ChunkStore }): Promise<number> {
    const { store } = target;
    const lock = await this.locks.acquire(documentId);
    if (!lock) {
      throw new RagError(
        'ingest_in_progress',
        `document ${documentId} is being ingested right now; delete it again when that has finished`,
      );
    }
    try {
      const existing = await store.find({ documentId });
      if (existing.length === 0) return 0;
      await store.remove({ documentId });
      this.logger.log(`Document deleted collection=${store.name} documentId=${documentId} chunks=${existing.length}`);
      return existing.length;
    } finally {
      await lock.release();
    }
  }

  /** A background ingest, when `organisation` started it; another organisation's reads as missing (404, same body). */
  async job(id: string, organisation: string): Promise<IngestJob> {
    const job = await this.jobs.get(id, organisation);
    if (!job)
      throw new RagError('job_not_found', 'no ingest job with this id: jobs are kept for 24 hours after they start');
    return job;
  }

  async isEmpty(): Promise<boolean> {
    return (await this.store.count()) === 0;
  }

  /** Runs once `turn` comes (the job stays `queued` until then, with a heartbeat). */
  private async runJob(job: IngestJob, version: DocumentVersion, turn: Promise<void>): Promise<void> {
    const { store, pieces, base } = version;
    // A heartbeat apart from progress: one batch's embeddings (with retries) may take longer than the
    // time after which a silent job reads as dead.
    const heartbeat = setInterval(() => void this.jobs.touch(job.id).catch(() => undefined), 15_000);
    heartbeat.unref();
    try {
      await turn;
      await this.jobs.update(job.id, { status: 'running' });
      await this.storeChunks(version, async (done) => {
        await this.jobs.update(job.id, { chunksDone: done });
      });
      await this.jobs.update(job.id, { status: 'completed', chunksDone: pieces.length });
      this.logger.log(`Document ingested documentId=${base.documentId} jobId=${job.id} chunks=${pieces.length}`);
    } catch (error) {
      const message = version.lock.lost.aborted
        ? 'this ingest lost its lock on the document (its process paused past the lock time) and stopped; a newer ingest took over'
        : (error as Error).message;
      // Only this ingest's chunks: a newer ingest of the same content (after this one lost its lock) has a
      // larger fence.
      await store
        .remove({
          $and: [
            { documentId: base.documentId },
            { contentHash: base.contentHash },
            { ingestFence: version.lock.token },
          ],
        })
        .catch(() => undefined);
      await this.jobs.update(job.id, { status: 'failed', error: message }).catch(() => undefined);
      this.logger.warn(`Document ingest failed documentId=${base.documentId} jobId=${job.id} error="${message}"`);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Embeds and stores the new version's chunks, chunk 0 last (it marks the version complete), then drops
   * every older version: readers never see the document missing. Stops at the next write once the lock
   * is lost.
   */
  private async storeChunks(version: DocumentVersion, progress?: (done: number) => Promise<void>): Promise<void> {
    const { store, lock, pieces, base, metadata } = version;
    // An ingest stops at its lock's loss or its caller's deadline; chunk 0, written last, is then never written.
    const stop = version.signal ? AbortSignal.any([lock.lost, version.signal]) : lock.lost;
    const order = [...pieces.keys()].slice(1).concat(0);
    for (let start = 0; start < order.length; start += STORE_BATCH) {
      const indexes = order.slice(start, start + STORE_BATCH);
      const { vectors } = await this.llm.embed(
        indexes.map((index) => pieces[index].text),
        { signal: stop, use: 'bulk' },
      );
      version.signal?.throwIfAborted();
      await lock.assertHeld();
      const chunks: StoredChunk[] = indexes.map((index, offset) => ({
        id: `${base.documentId}:${base.contentHash.slice(0, 12)}:${index}`,
        text: pieces[index].text,
        embedding: vectors[offset],
        metadata: { ...metadata, ...base, chunkIndex: index, headings: pieces[index].headings.join(' > ') },
      }));
      await store.upsert(chunks);
      await progress?.(start + indexes.length);
    }
    await this.removeOtherVersions(version);
  }

  /**
   * Drops the document's other versions written under an older lock (or before locks were fenced): never
   * one a newer ingest wrote, even if this ingest lost its lock without noticing.
   */
  private async removeOtherVersions(version: {
    store: ChunkStore;
    lock: RedisLease;
    base: Pick<DocumentFields, 'documentId' | 'contentHash'>;
  }): Promise<void> {
    const { store, lock, base } = version;
    const older = (await store.find({ documentId: base.documentId }))
      .filter((chunk) => chunk.metadata.contentHash !== base.contentHash)
      .filter((chunk) => (chunk.metadata.ingestFence ?? 0) < lock.token)
      .map((chunk) => chunk.id);
    await lock.assertHeld();
    await store.removeIds(older);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// The id is not repeated: a path carries whatever a client typed (a name), and error bodies get logged.
function notFound(): RagError {
  return new RagError('document_not_found', 'no document with this id: list them with GET /documents');
}

/** A document's own metadata: flat string, number or boolean values, none of the keys the store uses. */
function flatMetadata(metadata: Record<string, unknown>): Record<string, string | number | boolean> {
  const flat: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (!METADATA_KEY.test(key)) {
      throw new RagError(
        'invalid_metadata',
        `metadata key "${key.slice(0, 80)}" is not allowed: use letters, digits, _ . or - (up to 64), starting with a letter or _`,
      );
    }
    if ((RESERVED_METADATA_KEYS as readonly string[]).includes(key)) {
      throw new RagError(
        'invalid_metadata',
        `metadata.${key} is reserved; rename it (reserved: ${RESERVED_METADATA_KEYS.join(', ')})`,
      );
    }
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new RagError(
        'invalid_metadata',
        `metadata.${key} must be a string, number or boolean, not ${value === null ? 'null' : typeof value}`,
      );
    }
    flat[key] = value as string | number | boolean;
  }
  return flat;
}

function summaryOf(metadata: ChunkMetadata): DocumentSummary {
  const own = Object.fromEntries(
    Object.entries(metadata).filter(([key]) => !(RESERVED_METADATA_KEYS as readonly string[]).includes(key)),
  );
  return {
    id: metadata.documentId,
    title: metadata.title,
    source: metadata.source,
    chunks: metadata.chunkCount,
    ingestedAt: metadata.ingestedAt,
    metadata: own,
  };
}
