import type { ReadErrorCode } from './reader.protocol';

const RETRYABLE: ReadonlySet<ReadErrorCode> = new Set(['timeout', 'out_of_memory', 'reader_crashed']);

/** A file that could not be read, or a reader that failed; callers retry only when `retryable`. */
export class ReadError extends Error {
  override readonly name = 'ReadError';
  /** True only when the reader, not the file, failed: a fresh child may succeed. */
  readonly retryable: boolean;

  constructor(
    readonly code: ReadErrorCode,
    message: string,
  ) {
    super(message);
    this.retryable = RETRYABLE.has(code);
  }
}
