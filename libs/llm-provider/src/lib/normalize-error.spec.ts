import {
  LlmInvalidOutputError,
  LlmAuthError,
  LlmBadRequestError,
  LlmContextTooLongError,
  LlmRateLimitError,
  LlmTimeoutError,
  LlmUnavailableError,
} from './llm.errors';
import { normalizeError } from './normalize-error';
import { LengthFinishReasonError } from 'openai/error';

const backend = { kind: 'vllm' as const, url: 'http://gpu:8000' };
const withStatus = (status: number, message = 'boom', headers?: Record<string, string>) =>
  Object.assign(new Error(message), { status, headers: headers ? new Headers(headers) : undefined });

describe(normalizeError.name, () => {
  it.each([
    [withStatus(400), LlmBadRequestError, false],
    [withStatus(404, 'The model `x` does not exist.'), LlmBadRequestError, false],
    [withStatus(400, "This model's maximum context length is 2048 tokens"), LlmContextTooLongError, false],
    [withStatus(401), LlmAuthError, false],
    [withStatus(500), LlmUnavailableError, false],
    [withStatus(502), LlmUnavailableError, true],
    [withStatus(503), LlmUnavailableError, true],
    [withStatus(504), LlmUnavailableError, true],
    [withStatus(429), LlmRateLimitError, true],
  ])('maps %s to its class and retryable flag', (error, type, retryable) => {
    const sut = normalizeError(error, backend, 1000);

    expect(sut).toBeInstanceOf(type);
    expect(sut.retryable).toBe(retryable);
    expect(sut.backend).toBe(backend);
    expect(sut.status).toBe((error as { status: number }).status);
  });

  it("reads Ollama's status_code and 429's Retry-After", () => {
    const ollama = Object.assign(new Error("model 'x' not found"), { status_code: 404 });
    const limited = normalizeError(withStatus(429, 'slow down', { 'retry-after': '3' }), backend, 1000);

    expect(normalizeError(ollama, backend, 1000)).toBeInstanceOf(LlmBadRequestError);
    expect(limited).toMatchObject({ retryAfterMs: 3000 });
  });

  it('treats refused connections and connect timeouts in the cause chain as the server being away', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const slow = new TypeError('fetch failed', {
      cause: Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
    });

    expect(normalizeError(refused, backend, 1000)).toMatchObject({
      kind: 'unavailable',
      retryable: true,
      fallbackable: true,
    });
    expect(normalizeError(slow, backend, 1500)).toEqual(expect.any(LlmTimeoutError));
    expect(normalizeError(slow, backend, 1500)).toMatchObject({ phase: 'connect', timeoutMs: 1500 });
  });

  it('never lets a caller mistake fall back to another backend', () => {
    expect(normalizeError(withStatus(422), backend, 1000).fallbackable).toBe(false);
  });

  it('reads structured output cut at the token limit as a bad answer, not the server being away', () => {
    // The openai client's own error from its parse path when finish_reason is "length".
    const sut = normalizeError(new LengthFinishReasonError(), backend, 1000);

    expect(sut).toEqual(expect.any(LlmInvalidOutputError));
    expect(sut).toMatchObject({ retryable: false, fallbackable: false });
  });

  it.each([
    [
      "[{'type': 'missing', 'loc': ('body', 'model'), 'msg': 'Field required', 'input': {'messages': [{'content': 'Ms Patel'}]}}]",
      'the server gave no reason it can show',
    ],
    [
      "1 validation error for ChatCompletionRequest\nmax_tokens\n  Input should be a valid integer [type=int_parsing, input_value='Ms Patel', input_type=str]",
      'max_tokens\n  Input should be a valid integer',
    ],
    ['logprobs must be between 0 and 20 (parameter=top_logprobs, value=Ms Patel)', 'logprobs must be between 0 and 20'],
    // Other shapes: a quoted value (kept as a placeholder), one cut short, an HTML page from a proxy.
    ["Unknown role 'Ms Patel rang about arrears' in message 2", 'Unknown role (quoted) in message 2'],
    ['model "Ms Patel" not found, try pulling it first', 'model (quoted) not found, try pulling it first'],
    ['invalid template: unexpected end of `Ms Patel rang', 'invalid template: unexpected end of'],
    ['<html><body><h1>400</h1>Ms Patel</body></html>', 'the server gave no reason it can show'],
  ])("keeps a server's refusal without the request it quotes: %s", (text, kept) => {
    const sut = normalizeError(withStatus(400, text), backend, 1000);

    expect(sut.message).toContain(kept);
    expect(sut.message).not.toContain('Patel');
  });

  it('reads structured output that is not JSON as a bad answer, without quoting it', () => {
    let parseError: unknown;
    try {
      JSON.parse('{"client": "Ms Patel", "debt"');
    } catch (error) {
      parseError = error;
    }

    const sut = normalizeError(parseError, backend, 1000);

    expect(sut).toEqual(expect.any(LlmInvalidOutputError));
    expect(sut.message).not.toContain('Patel');
  });
});
