import { Injectable, Logger } from '@nestjs/common';
import type { DocumentDeleted, DocumentIndexedReply, DocumentProcessed } from '@rma/service-core';
import { DocumentsService } from '../documents/documents.service';
import { ChunkStores } from '../vector-store/chunk-stores';

/**
 * Clients' documents from doc-processor, each in its client's own collection: indexed exactly as manuals
 * are (same splitter, embeddings and versioning), with the client's id and the document's type on every
 * chunk. The upload's sha256 is the version, so a resend of the same file changes nothing.
 */
@Injectable()
export class ClientDocumentsService {
  private readonly logger = new Logger(ClientDocumentsService.name);

  constructor(
    private readonly documents: DocumentsService,
    private readonly stores: ChunkStores,
  ) {}

  async index(document: DocumentProcessed): Promise<DocumentIndexedReply> {
    const outcome = await this.documents.ingest(
      {
        text: document.markdown,
        title: document.title,
        format: 'markdown',
        metadata: {
          clientId: document.clientId,
          documentType: document.documentType,
          processedAt: document.processedAt,
        },
        documentId: document.documentId,
        contentHash: document.sha256,
      },
      // Inline: the reply tells doc-processor the document is searchable, so it must not be a queued job.
      { inline: true, store: this.stores.forClient(document.clientId) },
    );
    if (outcome.status === 'queued' || outcome.status === 'duplicate') {
      // The sender's id rules out duplicates and `inline` rules out jobs: this is a bug.
      throw new Error(`ingest of client document ${document.documentId} ended ${outcome.status}`);
    }
    this.logger.log(
      `Client document indexed clientId=${document.clientId} documentId=${document.documentId} status=${outcome.status} chunks=${outcome.chunks}`,
    );
    return { documentId: document.documentId, status: outcome.status, chunks: outcome.chunks };
  }

  async remove(document: DocumentDeleted): Promise<DocumentIndexedReply> {
    const chunks = await this.documents.delete(document.documentId, {
      store: this.stores.forClient(document.clientId),
    });
    const status = chunks > 0 ? 'deleted' : 'not_found';
    this.logger.log(
      `Client document removed clientId=${document.clientId} documentId=${document.documentId} status=${status} chunks=${chunks}`,
    );
    return { documentId: document.documentId, status, chunks };
  }
}
