import type { ZodError, z } from 'zod';
import { EngineError } from '../engine/engine.errors';

/** An error with the HTTP status it answers with; each API renders it in its own body shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Sent with the error, such as `Retry-After` on a 429. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static badRequest(message: string): ApiError {
    return new ApiError(400, message);
  }

  /** One line per problem: `messages.0.role: Invalid option: expected one of ...`. */
  static fromZod(error: ZodError): ApiError {
    return ApiError.badRequest(
      error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`).join('; '),
    );
  }

  /** Maps engine failures: a full queue is 503 (retry later); a prompt too long or a bad schema 400. */
  static fromEngine(error: EngineError): ApiError {
    switch (error.code) {
      case 'queue_full':
        return new ApiError(503, error.message);
      case 'bad_request':
      case 'context_too_long':
        return new ApiError(400, error.message);
      case 'aborted':
        // Nobody is listening any more; the status only reaches logs.
        return new ApiError(499, error.message);
    }
  }
}

/** Any thrown value as an ApiError: known kinds keep their status, the rest are server faults (500). */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof EngineError) return ApiError.fromEngine(error);
  return new ApiError(500, error instanceof Error ? error.message : String(error));
}

/** Validates a request body, or throws the 400 that lists what to change. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw ApiError.fromZod(result.error);
  return result.data;
}
