import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { GenerationError, generationFailureResponse } from '@rma/generation-queue';
import { LlmError } from '@rma/llm-provider';
import { httpStatusName } from '@rma/service-core';
import type { Response } from 'express';
import { Observable, throwError } from 'rxjs';
import { RAG_ERROR_STATUS, RagError, RagErrorCode } from './rag.errors';

/** Codes after which a sender of a Redis-transport message should send it again later. */
const RETRYABLE_CODES: ReadonlySet<RagErrorCode> = new Set([
  'vector_store_unavailable',
  'ingest_in_progress',
  'ingest_busy',
  'ingest_timeout',
]);

/**
 * The service's domain errors as HTTP: a refused request is a 4xx saying what to change; a failed
 * generation or embedding a 502/503/504 naming the backend and whether to retry. On the Redis transport,
 * the same body as an error reply, with `status: 'error'` and always `retryable`.
 */
@Catch(RagError, GenerationError, LlmError)
export class RagExceptionFilter implements ExceptionFilter {
  catch(error: RagError | GenerationError | LlmError, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() === 'rpc') {
      const body =
        error instanceof RagError
          ? {
              statusCode: RAG_ERROR_STATUS[error.code],
              code: error.code,
              message: error.message,
              retryable: RETRYABLE_CODES.has(error.code),
            }
          : generationFailureResponse(generationErrorOf(error)).body;
      return throwError(() => ({ status: 'error', ...body }));
    }
    const response = host.switchToHttp().getResponse<Response>();
    // A client that went away (its disconnect cancelled the work) has nobody left to answer.
    if (response.headersSent || response.destroyed) return;
    if (error instanceof RagError) {
      const status = RAG_ERROR_STATUS[error.code];
      if (status === 503 && RETRYABLE_CODES.has(error.code)) response.set('Retry-After', '2');
      response.status(status).json({
        statusCode: status,
        error: httpStatusName(status),
        code: error.code,
        message: error.message,
        ...(status >= 500 ? { retryable: RETRYABLE_CODES.has(error.code) } : {}),
      });
      return;
    }
    const { status, body, headers } = generationFailureResponse(generationErrorOf(error));
    response
      .status(status)
      .set(headers ?? {})
      .json(body);
  }
}

/**
 * An embedding failure (an LlmError) as the generation failure it is to the caller; this process's own
 * embedding slots refusing it is the queue's refusal, 503 Overloaded with Retry-After.
 */
function generationErrorOf(error: GenerationError | LlmError): GenerationError {
  if (error instanceof GenerationError) return error;
  return error.kind === 'overloaded'
    ? new GenerationError('overloaded', error.message)
    : new GenerationError('failed', error.message, {
        llmErrorKind: error.kind,
        retryable: error.retryable,
        backend: error.backend?.kind,
      });
}
