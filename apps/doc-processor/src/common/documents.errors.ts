/** Why a request was refused or a document could not be read; the exception filter maps every code. */
export type DocumentErrorCode =
  | 'missing_file'
  | 'empty_file'
  | 'file_too_large'
  | 'unsupported_type'
  | 'corrupt_file'
  | 'needs_password'
  | 'too_many_pages'
  | 'too_many_pixels'
  | 'archive_too_large'
  | 'unreadable_file'
  | 'invalid_client_id'
  | 'invalid_hint'
  | 'document_not_found'
  | 'not_finished'
  | 'reader_unavailable'
  | 'queue_unavailable'
  | 'handoff_failed';

export class DocumentError extends Error {
  constructor(
    readonly code: DocumentErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DocumentError';
  }
}

/** Exhaustive: adding a code without a status does not compile. */
export const DOCUMENT_ERROR_STATUS: Record<DocumentErrorCode, number> = {
  missing_file: 400,
  empty_file: 400,
  file_too_large: 413,
  unsupported_type: 415,
  corrupt_file: 422,
  needs_password: 422,
  too_many_pages: 422,
  too_many_pixels: 422,
  archive_too_large: 422,
  // The reader timed out or ran out of memory on the file: treated as hostile, not retried.
  unreadable_file: 422,
  invalid_client_id: 400,
  invalid_hint: 400,
  document_not_found: 404,
  not_finished: 409,
  reader_unavailable: 503,
  // Redis did not take the document's jobs in time: nothing was kept, sending it again is safe.
  queue_unavailable: 503,
  handoff_failed: 503,
};

/** Codes whose 5xx a client may retry as it is. */
export const RETRYABLE_DOCUMENT_ERRORS: ReadonlySet<DocumentErrorCode> = new Set([
  'reader_unavailable',
  'queue_unavailable',
  'handoff_failed',
]);
