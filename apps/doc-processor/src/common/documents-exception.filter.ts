import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { httpStatusName } from '@rma/service-core';
import type { Response } from 'express';
import { DOCUMENT_ERROR_STATUS, DocumentError, RETRYABLE_DOCUMENT_ERRORS } from './documents.errors';

/** The service's domain errors as HTTP: a refused upload is a 4xx saying what to change. */
@Catch(DocumentError)
export class DocumentsExceptionFilter implements ExceptionFilter {
  catch(error: DocumentError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent || response.destroyed) return;
    const status = DOCUMENT_ERROR_STATUS[error.code];
    if (status === 503 && RETRYABLE_DOCUMENT_ERRORS.has(error.code)) response.set('Retry-After', '2');
    response.status(status).json({
      statusCode: status,
      error: httpStatusName(status),
      code: error.code,
      message: error.message,
      ...(status >= 500 ? { retryable: RETRYABLE_DOCUMENT_ERRORS.has(error.code) } : {}),
    });
  }
}
