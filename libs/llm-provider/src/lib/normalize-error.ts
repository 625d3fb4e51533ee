import {
  BackendRef,
  LlmAuthError,
  LlmBadRequestError,
  LlmContextTooLongError,
  LlmError,
  LlmInvalidOutputError,
  LlmRateLimitError,
  LlmTimeoutError,
  LlmUnavailableError,
} from './llm.errors';
import { parseRetryAfter } from './resilience/backoff';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const CONTEXT_TOO_LONG = /maximum context length|context length|too long|context window|exceeds the context/i;

interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
  status?: number;
  status_code?: number;
  headers?: unknown;
  cause?: unknown;
}

function causes(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  for (
    let current = error;
    current && typeof current === 'object' && chain.length < 8;
    current = (current as ErrorLike).cause
  ) {
    chain.push(current as ErrorLike);
  }
  return chain;
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** A quoted span ('x', "x", `x`); an apostrophe inside a word (model's) is not a quote. */
const QUOTED = /(?<![\p{L}\d])'[^'\n]*'(?![\p{L}\d])|"[^"\n]*"|`[^`\n]*`/gu;
/** A quote left open: what follows it is a quoted value cut short. */
const OPEN_QUOTE = /(?<![\p{L}\d])'|["`]/u;

/**
 * A server's or client library's error text without the request it may quote: vLLM answers a request it
 * refuses with pydantic's dump of the input (`[{'type': ..., 'input': {...messages...}}]`, `input_value=`)
 * or `value=<the value>`, other servers and proxies quote a value ('x', "x", `x`) or answer an HTML page,
 * and that text reaches error bodies. Kept: the text before the first dump, page or open quote, with
 * each quoted span as (quoted).
 */
function withoutQuotedInput(message: string): string {
  const kept =
    message
      .split(/[{[<]|\b(?:input_)?value=/)[0]
      ?.replace(QUOTED, '(quoted)')
      .split(OPEN_QUOTE)[0]
      ?.trim()
      .slice(0, 300) ?? '';
  return kept.replace(/[\s:,(]+$/, '') || 'the server gave no reason it can show';
}

/**
 * Maps what the openai or ollama clients (through LangChain) or fetch threw onto LlmError. Unknown
 * failures count as the backend being unavailable: a garbled stream or a crashed connection is the
 * server's fault, not the caller's.
 */
export function normalizeError(error: unknown, backend: BackendRef, connectTimeoutMs: number): LlmError {
  if (error instanceof LlmError) return error;
  const chain = causes(error);
  const message = withoutQuotedInput(chain.map((item) => item.message).find(Boolean) ?? String(error));
  const fields = { backend, cause: error };
  const status = chain.map((item) => item.status ?? item.status_code).find((value) => typeof value === 'number');
  if (status !== undefined) {
    const withStatus = { ...fields, status };
    if (status === 429) {
      const retryAfter = chain.map((item) => header(item.headers, 'retry-after')).find(Boolean);
      return new LlmRateLimitError(message, parseRetryAfter(retryAfter), withStatus);
    }
    if (status === 401 || status === 403) return new LlmAuthError(message, withStatus);
    if (status >= 500) return new LlmUnavailableError(message, withStatus);
    if (CONTEXT_TOO_LONG.test(message)) return new LlmContextTooLongError(message, withStatus);
    return new LlmBadRequestError(message, withStatus);
  }
  if (chain.some((item) => item.name === 'ContextOverflowError')) return new LlmContextTooLongError(message, fields);
  // The openai client's parse path (json_schema answers) refuses output that stopped at the token limit
  // (its LengthFinishReasonError, whose name is plain "Error") or is not JSON: the server worked, the
  // answer is bad. The message never quotes the output, which may hold personal data.
  if (chain.some((item) => item.name === 'SyntaxError'))
    return new LlmInvalidOutputError('the structured output is not valid JSON', '', fields);
  if (chain.some((item) => /length limit was reached/.test(item.message ?? '')))
    return new LlmInvalidOutputError(
      'the output reached the max-token limit before its JSON was complete; allow more tokens',
      '',
      fields,
    );
  if (chain.some((item) => item.code === 'UND_ERR_CONNECT_TIMEOUT'))
    return new LlmTimeoutError('connect', connectTimeoutMs, fields);
  const code = chain.map((item) => item.code).find((value) => value && CONNECTION_CODES.has(value));
  return new LlmUnavailableError(code ? `${code}: ${message}` : message, fields);
}
