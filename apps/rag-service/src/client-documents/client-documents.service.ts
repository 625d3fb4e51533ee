import { Injectable, Logger } from '@nestjs/common';
import type { DocumentDeleted, DocumentIndexedReply, DocumentProcessed } from '@rma/service-core';
import { DocumentsService } from '../documents/documents.service';
import { ChunkStores } from '../vector-store/chunk-stores';
import { ClientDocumentFigures, ClientOfOrganisation } from './client-document-figures';
import { documentFigures } from './document-figures';

/**
 * Clients' documents from doc-processor, each in the collection of its organisation's client: indexed exactly as manuals
 * are (same splitter, embeddings and versioning), with the client's id and the document's type on every
 * chunk. The upload's sha256 is the version, so a resend of the same file changes nothing. The debts and
 * income its facts show are kept beside it, each with its page, to pre-fill an eligibility check.
 */
@Injectable()
export class ClientDocumentsService {
  private readonly logger = new Logger(ClientDocumentsService.name);

  constructor(
    private readonly documents: DocumentsService,
    private readonly stores: ChunkStores,
    private readonly figures: ClientDocumentFigures,
  ) {}

  /** Indexes the document within the message's deadline (`signal`: CLIENT_DOCUMENT_TIMEOUT_MS). */
  async index(document: DocumentProcessed, signal?: AbortSignal): Promise<DocumentIndexedReply> {
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
      { inline: true, store: this.stores.forClient(document.organisation, document.clientId), signal },
    );
    if (outcome.status === 'queued' || outcome.status === 'duplicate') {
      // The sender's id rules out duplicates and `inline` rules out jobs: this is a bug.
      throw new Error(`ingest of client document ${document.documentId} ended ${outcome.status}`);
    }
    // Saved even when empty (a sender without facts): the document then reads as found, with no figures.
    // After the ingest, so that a failed ingest is retried with its figures; saved again on every resend,
    // because an unchanged file may come with facts an older sender did not send.
    const figures = document.facts
      ? documentFigures({
          documentId: document.documentId,
          documentType: document.documentType,
          facts: document.facts,
          markdown: document.markdown,
        })
      : [];
    await this.figures.save({ ...clientOf(document), documentId: document.documentId, figures });
    this.logger.log(
      `Client document indexed clientId=${document.clientId} documentId=${document.documentId} status=${outcome.status} chunks=${outcome.chunks} figures=${figures.length}`,
    );
    return { documentId: document.documentId, status: outcome.status, chunks: outcome.chunks };
  }

  async remove(document: DocumentDeleted): Promise<DocumentIndexedReply> {
    const chunks = await this.documents.delete(document.documentId, {
      store: this.stores.forClient(document.organisation, document.clientId),
    });
    await this.figures.remove(clientOf(document), document.documentId);
    const status = chunks > 0 ? 'deleted' : 'not_found';
    this.logger.log(
      `Client document removed clientId=${document.clientId} documentId=${document.documentId} status=${status} chunks=${chunks}`,
    );
    return { documentId: document.documentId, status, chunks };
  }
}

function clientOf(document: DocumentProcessed | DocumentDeleted): ClientOfOrganisation {
  return { organisation: document.organisation, clientId: document.clientId };
}
