/** Kinds of failure the HTTP layer turns into each API's own error shape. */
export type EngineErrorCode = 'queue_full' | 'bad_request' | 'context_too_long' | 'aborted';

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}
