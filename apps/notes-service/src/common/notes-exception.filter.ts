import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { GenerationError, generationFailureResponse } from '@rma/generation-queue';
import { httpStatusName } from '@rma/service-core';
import type { Response } from 'express';
import { LetterError, LetterErrorCode } from '../letters/letters.errors';

const LETTER_ERROR_STATUS: Record<LetterErrorCode, number> = {
  notes_too_long: 400,
  batch_too_large: 400,
  batch_not_found: 404,
};

/**
 * The service's domain errors as HTTP: a refused request is a 400 saying what to change; a failed
 * generation a 502/503/504 naming the backend and whether to retry. Never a canned letter.
 */
@Catch(LetterError, GenerationError)
export class NotesExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(NotesExceptionFilter.name);

  catch(error: LetterError | GenerationError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    // A client that went away (its disconnect cancelled the generation) has nobody left to answer.
    if (response.headersSent || response.destroyed) return;
    if (error instanceof LetterError) {
      const status = LETTER_ERROR_STATUS[error.code];
      response
        .status(status)
        .json({ statusCode: status, error: httpStatusName(status) ?? 'Bad Request', code: error.code, message: error.message });
      return;
    }
    const { status, body, headers } = generationFailureResponse(error);
    if (status === 500) this.logger.error(`Generation request was invalid jobId=${error.details.jobId ?? 'none'}`);
    response
      .status(status)
      .set(headers ?? {})
      .json(body);
  }
}
