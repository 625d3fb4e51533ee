/** Why a generation did not produce a result. */
export type GenerationErrorCode =
  'cancelled' | 'failed' | 'timeout' | 'interrupted' | 'invalid' | 'queue_unavailable' | 'overloaded';

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

  /**
   * The queue did not take the job (Redis unavailable, or the class's waiting jobs at their maximum):
   * nothing ran, so it says nothing about the model; the same call may succeed shortly.
   */
  get refusedByQueue(): boolean {
    return this.code === 'queue_unavailable' || this.code === 'overloaded';
  }
}

/** What an HTTP layer answers for a failed generation, so that every service maps failures the same way. */
export interface GenerationFailureResponse {
  status: number;
  body: {
    statusCode: number;
    error: string;
    message: string;
    /** The LLM backend that failed (vllm, ollama), when one was reached. */
    backend?: string;
    /** Whether the same request may succeed later. */
    retryable: boolean;
    jobId?: string;
  };
  /** HTTP headers to send with it: `Retry-After` when the queue itself (Redis, or its depth) refused the job. */
  headers?: Record<string, string>;
}

/**
 * 503 with Retry-After when Redis did not take the job in time, or the class already had its maximum of
 * waiting jobs (nothing was started either way); 504 when the model
 * took too long, 503 when no backend could serve (down, overloaded), 502 when a backend
 * answered badly (invalid output, a broken stream), 413 when the input does not fit the model's context,
 * 500 only for a request this system built wrong.
 */
export function generationFailureResponse(error: GenerationError): GenerationFailureResponse {
  if (error.refusedByQueue) {
    return {
      status: 503,
      body: {
        statusCode: 503,
        error: error.code === 'overloaded' ? 'Overloaded' : 'QueueUnavailable',
        message: error.message,
        retryable: true,
      },
      headers: { 'Retry-After': '2' },
    };
  }
  const kind = error.details.llmErrorKind;
  const status =
    error.code === 'timeout' || kind === 'timeout'
      ? 504
      : error.code === 'invalid'
        ? 500
        : kind === 'unavailable' || kind === 'rate_limited'
          ? 503
          : kind === 'context_too_long'
            ? 413
            : 502;
  const labels: Record<number, string> = {
    500: 'GenerationInvalid',
    502: 'LlmBadResponse',
    503: 'LlmUnavailable',
    504: 'LlmTimeout',
    413: 'LlmContextTooLong',
  };
  return {
    status,
    body: {
      statusCode: status,
      error: labels[status],
      message:
        status === 413
          ? `the input does not fit the model's context: shorten it (${error.message})`
          : `generation ${error.code}: ${error.message}`,
      backend: error.details.backend,
      retryable: error.details.retryable ?? (status === 503 || status === 504),
      jobId: error.details.jobId,
    },
  };
}

/**
 * A request past its deadline (the `exceeded` of service-core's `@Deadline`): a generation timeout, 504
 * and retryable, naming the setting to raise.
 */
export function deadlineTimeout(setting: string, ms: number): GenerationError {
  return new GenerationError('timeout', `the request took longer than ${setting} (${ms} ms)`);
}
