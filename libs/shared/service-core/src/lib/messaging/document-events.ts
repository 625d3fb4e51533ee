import { z } from 'zod';
import { LOCAL_ORGANISATION } from '../auth/principal';

// doc-processor hands a finished client document to rag-service over Nest's Redis transport. These are
// request-response patterns (MessagePattern), not fire-and-forget events: Redis pub/sub drops a message
// nobody is subscribed to, so doc-processor sends from a retried job and only an acknowledgement from
// rag-service ends it. Persisted names: renaming a pattern needs both services deployed together.

/** A processed client document to index into that client's collection. */
export const DOCUMENT_PROCESSED_PATTERN = 'document.processed';
/** A client document deleted in doc-processor: remove it from that client's collection. */
export const DOCUMENT_DELETED_PATTERN = 'document.deleted';

/** Client ids: safe in a Chroma collection name and a Redis key. */
export const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/;
/** What a clientId must look like, said so that a caller can fix it. */
export const CLIENT_ID_MESSAGE = 'clientId must be 1-48 letters, digits, _ or -, starting with a letter or digit';

/**
 * The organisation that owns the document (that of the key which uploaded it): its client's collection is
 * that organisation's. An older sender sends none: its documents are {@link LOCAL_ORGANISATION}'s, as are
 * records stored before tenancy.
 */
const organisation = z.string().min(1).max(200).default(LOCAL_ORGANISATION);

export const documentProcessedSchema = z.object({
  documentId: z.string().min(1).max(100),
  organisation,
  clientId: z.string().regex(CLIENT_ID),
  title: z.string().min(1).max(300),
  /** The assembled markdown, with page markers. */
  markdown: z.string().min(1),
  documentType: z.string().min(1).max(64),
  /** The uploaded file's sha256: a resend of the same document changes nothing. */
  sha256: z.string().regex(/^[a-f0-9]{64}$/),
  processedAt: z.string(),
  /**
   * The facts doc-processor extracted, shaped per documentType (its extraction schemas). Optional so that
   * an older sender still works; a receiver checks the shape itself before it uses any of them.
   */
  facts: z.record(z.string(), z.unknown()).optional(),
});

export const documentDeletedSchema = z.object({
  documentId: z.string().min(1).max(100),
  organisation,
  clientId: z.string().regex(CLIENT_ID),
});

/** rag-service's reply: how the document stands in the client's collection. */
export const documentIndexedReplySchema = z.object({
  documentId: z.string(),
  status: z.enum(['created', 'replaced', 'unchanged', 'deleted', 'not_found']),
  chunks: z.number().int().nonnegative(),
});

export type DocumentProcessed = z.output<typeof documentProcessedSchema>;
export type DocumentDeleted = z.output<typeof documentDeletedSchema>;
export type DocumentIndexedReply = z.output<typeof documentIndexedReplySchema>;
