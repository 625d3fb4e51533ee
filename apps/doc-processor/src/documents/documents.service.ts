import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { GenerationError } from '@rma/generation-queue';
import type { WorkClass } from '@rma/generation-queue';
import { isOwnedBy, ownerOf } from '@rma/service-core';
import { createHash, randomBytes } from 'node:crypto';
import { DocumentError, DocumentErrorCode } from '../common/documents.errors';
import type { DocProcessorEnv } from '../config/env.schema';
import { DocumentHandoffService } from '../pipeline/document-handoff.service';
import { DocumentMetrics } from '../pipeline/document-metrics';
import { DocumentPipelineService } from '../pipeline/document-pipeline.service';
import { ReaderPoolHost } from '../pipeline/reader-pool.provider';
import type { ReadErrorCode } from '../reading/reader.protocol';
import { ReadError } from '../reading/reading.errors';
import type { DocumentRecord, PageReport } from './document-record';
import type { DocumentResult } from './document-result';
import { DocumentStore } from './document-store';

/** An uploaded file as multer (memory storage) hands it over. */
export interface UploadedFile {
  buffer: Buffer;
  size: number;
}

/** What GET /documents/:id answers. */
export interface DocumentView {
  documentId: string;
  status: DocumentRecord['status'];
  kind: DocumentRecord['kind'];
  mime: string;
  pageCount: number;
  sizeBytes: number;
  clientId?: string;
  hint?: string;
  createdAt: string;
  finishedAt?: string;
  progress: { pagesRead: number; pagesFailed: number; pageCount: number };
  pages: PageReport[];
  result?: DocumentResult;
  error?: DocumentRecord['error'];
  handoff?: DocumentRecord['handoff'];
  links: { self: string; markdown: string };
}

/** The reader's verdict on a file as the client's mistake (4xx), or the service's trouble (503). */
const UPLOAD_REFUSAL: Record<ReadErrorCode, DocumentErrorCode> = {
  empty_file: 'empty_file',
  unsupported_type: 'unsupported_type',
  corrupt_file: 'corrupt_file',
  needs_password: 'needs_password',
  too_many_pages: 'too_many_pages',
  too_many_pixels: 'too_many_pixels',
  archive_too_large: 'archive_too_large',
  page_out_of_range: 'corrupt_file',
  read_failed: 'corrupt_file',
  timeout: 'unreadable_file',
  out_of_memory: 'unreadable_file',
  reader_crashed: 'unreadable_file',
  pool_closed: 'reader_unavailable',
};

const SYNC_POLL_MS = 100;

/** Uploads in, documents out: checks a file at the door, queues its pages, and answers for its state. */
@Injectable()
export class DocumentsService {
  private readonly logger = new Logger(DocumentsService.name);
  private readonly syncTimeoutMs: number;

  constructor(
    private readonly store: DocumentStore,
    private readonly readers: ReaderPoolHost,
    private readonly pipeline: DocumentPipelineService,
    private readonly handoff: DocumentHandoffService,
    private readonly metrics: DocumentMetrics,
    config: ConfigService<DocProcessorEnv, true>,
  ) {
    this.syncTimeoutMs = config.get('PROCESS_SYNC_TIMEOUT_MS', { infer: true });
  }

  /**
   * Stores a file and queues it, after its type (by magic bytes), page count and limits are checked:
   * a file refused there never becomes a document. The same file for the same client of the same
   * organisation again is that first document (`duplicate`). The document is `organisation`'s alone.
   */
  async upload(input: {
    file: UploadedFile | undefined;
    organisation: string;
    clientId?: string;
    hint?: string;
    workClass: WorkClass;
  }): Promise<{ view: DocumentView; duplicate: boolean }> {
    const { file } = input;
    if (!file) throw new DocumentError('missing_file', 'send the document as a multipart form field named `file`');
    if (file.size === 0) throw new DocumentError('empty_file', 'the file is empty (0 bytes): send the document itself');
    const sha256 = createHash('sha256').update(file.buffer).digest('hex');
    const existing = await this.existing({ sha256, organisation: input.organisation, clientId: input.clientId });
    if (existing) return { view: existing, duplicate: true };

    const documentId = `doc_${randomBytes(10).toString('hex')}`;
    const path = await this.store.saveOriginal(documentId, file.buffer);
    const inspection = await this.readers.pool.inspect(path).catch(async (error: unknown) => {
      await this.store.removeFiles(documentId);
      if (!(error instanceof ReadError)) throw error;
      this.metrics.uploadsRefused.inc({ reason: error.code });
      this.logger.log(`Upload refused reason=${error.code} sizeBytes=${file.size}`);
      throw new DocumentError(UPLOAD_REFUSAL[error.code], error.message);
    });
    const record: DocumentRecord = {
      documentId,
      status: 'queued',
      kind: inspection.kind,
      mime: inspection.mime,
      pageCount: inspection.pages,
      sizeBytes: file.size,
      sha256,
      organisation: input.organisation,
      clientId: input.clientId,
      hint: input.hint,
      workClass: input.workClass,
      createdAt: new Date().toISOString(),
    };
    const created = await this.store.create(record);
    if (!created.created) {
      // Another upload of the same file won the race: this copy goes, that document answers.
      await this.store.removeFiles(documentId);
      const view = await this.view(created.documentId, input.organisation);
      return { view, duplicate: true };
    }
    await this.pipeline.enqueue(record).catch(async (error: unknown) => {
      if (!(error instanceof GenerationError && error.code === 'queue_unavailable')) throw error;
      // Not accepted: the record goes, so that sending the file again is a new upload, not a duplicate of
      // a document that never ran. Jobs Redis takes later find no record and stop.
      await this.store.remove(record).catch(() => undefined);
      throw new DocumentError('queue_unavailable', `${error.message}; the document was not kept: send it again`);
    });
    this.logger.log(
      `Document accepted documentId=${documentId} kind=${record.kind} pages=${record.pageCount} ` +
        `sizeBytes=${record.sizeBytes} workClass=${record.workClass} client=${record.clientId ? 'yes' : 'no'}`,
    );
    return { view: await this.view(documentId, input.organisation), duplicate: false };
  }

  /** Waits for a document to finish, up to PROCESS_SYNC_TIMEOUT_MS; returns its view either way. */
  async waitForResult(documentId: string, organisation: string, signal?: AbortSignal): Promise<DocumentView> {
    const deadline = Date.now() + this.syncTimeoutMs;
    for (;;) {
      const view = await this.view(documentId, organisation);
      if (view.status === 'done' || view.status === 'failed' || Date.now() >= deadline || signal?.aborted) return view;
      await new Promise((resolve) => setTimeout(resolve, SYNC_POLL_MS));
    }
  }

  /** The document, when `organisation` owns it; another organisation's reads as missing (404, same body). */
  async view(documentId: string, organisation: string): Promise<DocumentView> {
    const record = await this.owned(documentId, organisation);
    const [pages, result] = await Promise.all([
      this.store.pages(documentId),
      record.status === 'done' ? this.store.result(documentId) : Promise.resolve(null),
    ]);
    return {
      documentId,
      status: record.status,
      kind: record.kind,
      mime: record.mime,
      pageCount: record.pageCount,
      sizeBytes: record.sizeBytes,
      clientId: record.clientId,
      hint: record.hint,
      createdAt: record.createdAt,
      finishedAt: record.finishedAt,
      progress: {
        pagesRead: pages.filter((page) => page.status === 'done').length,
        pagesFailed: pages.filter((page) => page.status === 'failed').length,
        pageCount: record.pageCount,
      },
      pages,
      ...(result ? { result } : {}),
      ...(record.error ? { error: record.error } : {}),
      ...(record.handoff ? { handoff: record.handoff } : {}),
      links: { self: `/documents/${documentId}`, markdown: `/documents/${documentId}/markdown` },
    };
  }

  async markdown(documentId: string, organisation: string): Promise<string> {
    const record = await this.owned(documentId, organisation);
    const markdown = record.status === 'done' ? await this.store.markdown(documentId) : null;
    if (markdown === null) {
      throw new DocumentError(
        'not_finished',
        record.status === 'failed'
          ? `document ${documentId} failed (${record.error?.code}): it has no markdown`
          : `document ${documentId} is ${record.status}: poll GET /documents/${documentId} until it is done`,
      );
    }
    return markdown;
  }

  /**
   * Removes the file, every derived artefact and the jobs not yet started; a client's document is removed
   * from rag-service first, so a failure there leaves everything in place to retry (503), never half gone.
   */
  async remove(documentId: string, organisation: string): Promise<void> {
    const record = await this.owned(documentId, organisation);
    await this.pipeline.cancel(documentId);
    if (record.clientId && record.handoff) {
      const deleted = { documentId, organisation: ownerOf(record), clientId: record.clientId };
      await this.handoff.deleted(deleted).catch((error: Error) => {
        throw new DocumentError(
          'handoff_failed',
          `removing the document from rag-service failed (${error.message || error.name}); nothing was deleted: retry`,
        );
      });
    }
    await this.store.remove(record);
    this.logger.log(`Document deleted documentId=${documentId}`);
  }

  private async existing(claim: { sha256: string; organisation: string; clientId?: string }): Promise<DocumentView | null> {
    const documentId = await this.store.findBySha(claim);
    if (!documentId) return null;
    return this.view(documentId, claim.organisation).catch(() => null); // a claim whose record expired first
  }

  /** The record when `organisation` owns it; a missing one and another organisation's fail alike. */
  private async owned(documentId: string, organisation: string): Promise<DocumentRecord> {
    const record = await this.store.record(documentId);
    if (!record || !isOwnedBy(record, organisation)) throw notFound();
    return record;
  }
}

// The id is not repeated: a path carries whatever a client typed (a name), and error bodies get logged.
function notFound(): DocumentError {
  return new DocumentError(
    'document_not_found',
    'no document with this id (documents expire after DOCUMENT_RETENTION_HOURS)',
  );
}
