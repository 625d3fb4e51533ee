/** Which server failed: its kind and where it is. */
export interface BackendRef {
  kind: 'vllm' | 'ollama';
  url: string;
  model?: string;
}

export type LlmErrorKind =
  | 'timeout'
  | 'unavailable'
  | 'rate_limited'
  | 'bad_request'
  | 'context_too_long'
  | 'auth'
  | 'stream_interrupted'
  | 'invalid_output'
  | 'aborted'
  | 'overloaded';

interface LlmErrorFields {
  backend?: BackendRef;
  status?: number;
  cause?: unknown;
}

/**
 * Every failure of an LLM call, normalised from whatever the vendor client threw. Callers decide on
 * retries from `retryable` and never from a vendor type; `fallbackable` says whether another backend
 * may serve the same call.
 */
export abstract class LlmError extends Error {
  abstract readonly kind: LlmErrorKind;
  abstract readonly retryable: boolean;
  readonly backend?: BackendRef;
  /** The upstream HTTP status, when there was one. */
  readonly status?: number;
  /**
   * Attempts the client made, on every backend, before this error reached the caller: above 1 the
   * client already retried or fell back, and a caller's own retry would multiply the load.
   */
  attempts = 1;

  constructor(message: string, fields: LlmErrorFields = {}) {
    super(message, { cause: fields.cause });
    this.name = new.target.name;
    this.backend = fields.backend;
    this.status = fields.status;
  }

  /** Another backend may serve this call: the server, not the request, was at fault. */
  get fallbackable(): boolean {
    return this.kind === 'unavailable' || this.kind === 'timeout' || this.kind === 'rate_limited';
  }
}

/** `answer`: a call not streamed, bounded by first-token time plus an allowance per token asked for. */
export type TimeoutPhase = 'connect' | 'first_token' | 'idle' | 'answer' | 'total';

/** No connection, first token, next chunk, answer (not streamed) or whole call within its configured time. */
export class LlmTimeoutError extends LlmError {
  readonly kind = 'timeout';
  readonly retryable = true;
  constructor(
    readonly phase: TimeoutPhase,
    readonly timeoutMs: number,
    fields: LlmErrorFields = {},
  ) {
    super(`no ${phase.replace('_', ' ')} within ${timeoutMs} ms`, fields);
  }
}

/** The server cannot serve now: refused or reset connection, 5xx. 500 is not retried; 502, 503, 504 are. */
export class LlmUnavailableError extends LlmError {
  readonly kind = 'unavailable';
  get retryable(): boolean {
    return this.status === undefined || this.status !== 500;
  }
}

/** 429: too many requests; `retryAfterMs` comes from the Retry-After header when the server sent one. */
export class LlmRateLimitError extends LlmError {
  readonly kind = 'rate_limited';
  readonly retryable = true;
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
    fields: LlmErrorFields = {},
  ) {
    super(message, fields);
  }
}

/** The request was wrong (bad parameter, unknown model): retrying or another backend will not help. */
export class LlmBadRequestError extends LlmError {
  readonly kind = 'bad_request';
  readonly retryable = false;
}

/** The prompt and the requested output do not fit the model's context. */
export class LlmContextTooLongError extends LlmError {
  readonly kind = 'context_too_long';
  readonly retryable = false;
}

/** 401 or 403: the API key is missing or wrong. */
export class LlmAuthError extends LlmError {
  readonly kind = 'auth';
  readonly retryable = false;
}

/** A stream failed after its first token reached the caller: no silent switch to another backend. */
export class LlmStreamInterruptedError extends LlmError {
  readonly kind = 'stream_interrupted';
  readonly retryable = false;
}

/** Structured output still did not validate after the corrective retry. */
export class LlmInvalidOutputError extends LlmError {
  readonly kind = 'invalid_output';
  readonly retryable = false;
  constructor(
    message: string,
    readonly output: string,
    fields: LlmErrorFields = {},
  ) {
    super(message, fields);
  }
}

/** The caller cancelled the call. */
export class LlmAbortedError extends LlmError {
  readonly kind = 'aborted';
  readonly retryable = false;
}

/**
 * This process already has its maximum of embedding calls running and waiting (or none freed a slot within
 * the call's time): refused before any request went out, so it says nothing about the server; the same
 * call may succeed shortly.
 */
export class LlmOverloadedError extends LlmError {
  readonly kind = 'overloaded';
  readonly retryable = true;
}
