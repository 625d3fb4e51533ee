import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import { GenerationError, generationFailureResponse } from '@rma/generation-queue';
import { LlmError } from '@rma/llm-provider';
import type { Response } from 'express';
import { RAG_ERROR_STATUS, RagError } from './rag.errors';

/**
 * The service's domain errors as HTTP: a refused request is a 4xx saying what to change; a failed
 * generation or embedding a 502/503/504 naming the backend and whether to retry.
 */
@Catch(RagError, GenerationError, LlmError)
export class RagExceptionFilter implements ExceptionFilter {
  catch(error: RagError | GenerationError | LlmError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    // A client that went away (its disconnect cancelled the work) has nobody left to answer.
    if (response.headersSent || response.destroyed) return;
    if (error instanceof RagError) {
      const status = RAG_ERROR_STATUS[error.code];
      response.status(status).json({
        statusCode: status,
        error: HttpStatus[status]
          ?.toLowerCase()
          .replace(/(^|_)(\w)/g, (_, gap: string, letter: string) => (gap ? ' ' : '') + letter.toUpperCase()),
        code: error.code,
        message: error.message,
        ...(status >= 500 ? { retryable: error.code === 'vector_store_unavailable' } : {}),
      });
      return;
    }
    const { status, body } = generationFailureResponse(
      error instanceof GenerationError
        ? error
        : new GenerationError('failed', error.message, {
            llmErrorKind: error.kind,
            retryable: error.retryable,
            backend: error.backend?.kind,
          }),
    );
    response.status(status).json(body);
  }
}
