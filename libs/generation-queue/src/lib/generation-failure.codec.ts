import { LlmError } from '@rma/llm-provider';
import { GenerationError } from './generation.errors';

// BullMQ carries a job's failure as one string (its failedReason), from the worker that failed it to
// every caller waiting on it, in any process: a GenerationError goes through it as tagged JSON.
const FAILURE_PREFIX = 'generation-error:';

/** A GenerationError as a job's failedReason. */
export function encodeFailure(error: GenerationError): string {
  return `${FAILURE_PREFIX}${JSON.stringify({ code: error.code, message: error.message, details: error.details })}`;
}

/** A job's failedReason as a GenerationError; a reason BullMQ itself wrote (a stalled job) is a plain failure. */
export function decodeFailure(reason: string | undefined, jobId: string): GenerationError {
  if (reason?.startsWith(FAILURE_PREFIX)) {
    const { code, message, details } = JSON.parse(reason.slice(FAILURE_PREFIX.length));
    return new GenerationError(code, message, { ...details, jobId });
  }
  return new GenerationError('failed', reason ?? 'the job failed', { jobId });
}

/** What a worker's failed LLM call is to the caller: cancelled when its caller aborted, else the LLM error's verdict. */
export function failureOfRun(raw: unknown, context: { jobId: string; cancelled: boolean }): GenerationError {
  const { jobId } = context;
  if (context.cancelled) return new GenerationError('cancelled', 'the caller cancelled the generation', { jobId });
  if (raw instanceof LlmError) {
    return new GenerationError('failed', raw.message, {
      llmErrorKind: raw.kind,
      retryable: raw.retryable,
      backend: raw.backend?.kind,
      jobId,
    });
  }
  return new GenerationError('failed', raw instanceof Error ? raw.message : String(raw), { jobId });
}
