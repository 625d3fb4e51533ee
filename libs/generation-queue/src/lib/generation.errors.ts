/** Why a generation did not produce a result. */
export type GenerationErrorCode = 'cancelled' | 'failed' | 'timeout' | 'interrupted' | 'invalid';

/**
 * A generation that failed visibly: `llmErrorKind` and `retryable` carry the LLM error's own verdict
 * across processes, so an HTTP layer can map it (502/503/504) without knowing where it ran.
 */
export class GenerationError extends Error {
  constructor(
    readonly code: GenerationErrorCode,
    message: string,
    readonly details: { llmErrorKind?: string; retryable?: boolean; backend?: string; jobId?: string } = {},
  ) {
    super(message);
    this.name = 'GenerationError';
  }
}
