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

/**
 * vLLM's answer to a non-zero priority under the default fcfs scheduling policy: a ValueError raised
 * when the engine takes the request (vllm/v1/engine processor), so a 400 BadRequestError.
 */
export function priorityNotEnabled(priority: number): EngineError {
  return new EngineError('bad_request', `Got priority ${priority} but Priority scheduling is not enabled.`);
}
