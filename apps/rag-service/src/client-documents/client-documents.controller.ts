import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CurrentDeadline,
  Deadline,
  DOCUMENT_DELETED_PATTERN,
  DOCUMENT_PROCESSED_PATTERN,
  documentDeletedSchema,
  documentProcessedSchema,
} from '@rma/service-core';
import type { DocumentIndexedReply, RequestDeadline } from '@rma/service-core';
import type { z } from 'zod';
import { ingestTimeout, RagError } from '../common/rag.errors';
import { ClientDocumentsService } from './client-documents.service';

/**
 * doc-processor's hand-off over the Redis transport (request-response: only the reply acknowledges a
 * document). A refused or failed message is an error reply from the exception filter, with `code` and
 * `retryable`.
 */
@Controller()
export class ClientDocumentsController {
  constructor(private readonly clientDocuments: ClientDocumentsService) {}

  @MessagePattern(DOCUMENT_PROCESSED_PATTERN)
  @Deadline({ setting: 'CLIENT_DOCUMENT_TIMEOUT_MS', exceeded: ingestTimeout })
  async documentProcessed(
    @Payload() payload: unknown,
    @CurrentDeadline() deadline: RequestDeadline,
  ): Promise<DocumentIndexedReply> {
    return this.clientDocuments.index(
      parsed(DOCUMENT_PROCESSED_PATTERN, documentProcessedSchema, payload),
      deadline.signal,
    );
  }

  @MessagePattern(DOCUMENT_DELETED_PATTERN)
  async documentDeleted(@Payload() payload: unknown): Promise<DocumentIndexedReply> {
    return this.clientDocuments.remove(parsed(DOCUMENT_DELETED_PATTERN, documentDeletedSchema, payload));
  }
}

/** The payload as the contract's schema reads it; a RagError naming each bad field (never its value: personal data). */
function parsed<Schema extends z.ZodType>(pattern: string, schema: Schema, payload: unknown): z.output<Schema> {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`);
  throw new RagError('invalid_document_event', `${pattern} payload refused: ${problems.join('; ')}`);
}
