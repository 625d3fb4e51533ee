/** Why a request was refused or failed outside the LLM; the exception filter maps every code to a status. */
export type RagErrorCode =
  | 'empty_document'
  | 'unsupported_file'
  | 'unreadable_file'
  | 'no_text_layer'
  | 'invalid_metadata'
  | 'document_not_found'
  | 'job_not_found'
  | 'batch_not_found'
  | 'empty_question'
  | 'question_too_long'
  | 'invalid_filter'
  | 'invalid_client_id'
  | 'invalid_document_event'
  | 'batch_too_large'
  | 'invalid_facts'
  | 'ingest_in_progress'
  | 'ingest_busy'
  | 'ingest_timeout'
  | 'vector_store_unavailable'
  | 'vector_store_rejected'
  | 'embedding_mismatch';

export class RagError extends Error {
  constructor(
    readonly code: RagErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RagError';
  }
}

/** Exhaustive: adding a code without a status does not compile. */
export const RAG_ERROR_STATUS: Record<RagErrorCode, number> = {
  empty_document: 400,
  unsupported_file: 415,
  unreadable_file: 422,
  no_text_layer: 422,
  invalid_metadata: 400,
  document_not_found: 404,
  job_not_found: 404,
  batch_not_found: 404,
  empty_question: 400,
  question_too_long: 400,
  invalid_filter: 400,
  invalid_client_id: 400,
  invalid_document_event: 400,
  batch_too_large: 400,
  invalid_facts: 400,
  ingest_in_progress: 409,
  // Too many background ingests wait in this process: sending the document again later works.
  ingest_busy: 503,
  // An inline ingest past its deadline (INGEST_TIMEOUT_MS, CLIENT_DOCUMENT_TIMEOUT_MS): it wrote no complete
  // version, and sending the document again is safe (ingests are idempotent).
  ingest_timeout: 504,
  vector_store_unavailable: 503,
  vector_store_rejected: 502,
  // The embedding model changed under a collection: an operator must act, retrying will not help.
  embedding_mismatch: 503,
};

/** `@Deadline`'s error for an inline ingest past its deadline. */
export function ingestTimeout(setting: string, ms: number): RagError {
  return new RagError(
    'ingest_timeout',
    `the ingest took longer than ${setting} (${ms} ms); no complete version was stored and sending it again is safe; or raise ${setting}`,
  );
}
