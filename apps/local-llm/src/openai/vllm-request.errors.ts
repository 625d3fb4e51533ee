import { ApiError } from '../http/api-error';

/**
 * vLLM answers a bad request in two ways (vllm/entrypoints/serve/exception_handling): a failure of the
 * request model's pydantic validators goes through FastAPI's RequestValidationError handler
 * (handlers/validation.py: `type` is HTTPStatus.BAD_REQUEST.phrase, "Bad Request"), while one found
 * later by the serving code goes through create_error_response (error_response.py: "BadRequestError").
 */
export type VllmBadRequestType = 'Bad Request' | 'BadRequestError';

/** A 400 with vLLM's `type` and `param`, for `{"error": {message, type, param, code}}`. */
export class VllmRequestError extends ApiError {
  constructor(
    message: string,
    readonly errorType: VllmBadRequestType,
    readonly param: string | null,
  ) {
    super(400, message);
    this.name = 'VllmRequestError';
  }
}

/** str(VLLMValidationError) (vllm/exceptions.py): the message, then `(parameter=..., value=...)`. */
export function validationErrorText(message: string, parameter?: string, value?: unknown): string {
  const extras = [
    ...(parameter === undefined ? [] : [`parameter=${parameter}`]),
    ...(value === undefined || value === null ? [] : [`value=${pythonStr(value)}`]),
  ];
  return extras.length ? `${message} (${extras.join(', ')})` : message;
}

/**
 * A ValueError raised by a `mode="before"` model validator, as handlers/validation.py renders it:
 * pydantic's error dict with the input summarised (`<dict of N items>`) and `loc` cleaned to "body";
 * `param` is the VLLMValidationError's parameter, or the cleaned loc when it has none.
 */
export function modelValidatorError(
  body: Record<string, unknown>,
  failure: { message: string; parameter?: string; value?: unknown; plainValueError?: boolean },
): VllmRequestError {
  const text = failure.plainValueError
    ? failure.message
    : validationErrorText(failure.message, failure.parameter, failure.value);
  const errorClass = failure.plainValueError ? 'ValueError' : 'VLLMValidationError';
  const entry =
    `{'type': 'value_error', 'loc': 'body', 'msg': ${pythonRepr(`Value error, ${text}`)}, ` +
    `'input': ${pythonRepr(`<dict of ${Object.keys(body).length} items>`)}, ` +
    `'ctx': {'error': ${errorClass}(${pythonRepr(failure.message)})}}`;
  return new VllmRequestError(`1 validation error:\n  ${entry}`, 'Bad Request', failure.parameter ?? 'body');
}

/** A field that fails pydantic's type checks: one entry per problem, `param` the first entry's loc. */
export function fieldValidationError(issues: readonly { loc: string; msg: string }[]): VllmRequestError {
  const label = issues.length === 1 ? 'error' : 'errors';
  const lines = issues.map((issue) => `  {'loc': ${pythonRepr(issue.loc)}, 'msg': ${pythonRepr(issue.msg)}}`);
  return new VllmRequestError(
    `${issues.length} validation ${label}:\n${lines.join('\n')}`,
    'Bad Request',
    issues[0]?.loc ?? 'body',
  );
}

/** An error the serving code raises (a VLLMValidationError or a ValueError): "BadRequestError". */
export function servingError(message: string, parameter?: string, value?: unknown): VllmRequestError {
  return new VllmRequestError(validationErrorText(message, parameter, value), 'BadRequestError', parameter ?? null);
}

/** Python's str() of a JSON value: what an f-string prints. */
export function pythonStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

/** Python's repr() of a JSON value, as vLLM's messages print request values. */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  // A raw JSON integer is a Python int; pydantic's float fields print through pythonFloat.
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const escaped = value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll(quote, `\\${quote}`);
    return `${quote}${escaped}${quote}`;
  }
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([key, item]) => `${pythonRepr(key)}: ${pythonRepr(item)}`)
    .join(', ')}}`;
}

/**
 * A JSON number as Python prints it once pydantic made it a float field's value: 5 becomes `5.0`.
 * Integers stay as they are where the field is an int: pass `asInt`.
 */
export function pythonFloat(value: number, asInt = false): string {
  if (asInt || !Number.isInteger(value)) return String(value);
  return `${value}.0`;
}
