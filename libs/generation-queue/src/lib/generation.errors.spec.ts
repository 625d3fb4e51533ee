import { GenerationError, generationFailureResponse } from './generation.errors';

describe(generationFailureResponse.name, () => {
  it.each([
    ['timeout', undefined, 504, 'LlmTimeout', true],
    ['failed', 'timeout', 504, 'LlmTimeout', true],
    ['failed', 'unavailable', 503, 'LlmUnavailable', true],
    ['failed', 'rate_limited', 503, 'LlmUnavailable', true],
    ['failed', 'invalid_output', 502, 'LlmBadResponse', false],
    ['failed', 'stream_interrupted', 502, 'LlmBadResponse', false],
    ['interrupted', undefined, 502, 'LlmBadResponse', false],
    ['failed', 'context_too_long', 413, 'LlmContextTooLong', false],
    ['invalid', undefined, 500, 'GenerationInvalid', false],
  ] as const)('maps %s (%s) to %i %s', (code, llmErrorKind, status, error, retryable) => {
    const sut = new GenerationError(code, 'it went wrong', { llmErrorKind, backend: 'vllm', jobId: '7' });

    const response = generationFailureResponse(sut);

    expect(response).toEqual({
      status,
      body: expect.objectContaining({ statusCode: status, error, retryable, backend: 'vllm', jobId: '7' }),
    });
  });

  it('keeps the retry verdict the LLM error gave', () => {
    const sut = new GenerationError('failed', 'overloaded', { llmErrorKind: 'unavailable', retryable: false });

    expect(generationFailureResponse(sut).body.retryable).toBe(false);
  });

  it('answers a job refused for the depth of its class as a retryable 503 Overloaded with Retry-After', () => {
    const sut = new GenerationError('overloaded', '1000 interactive jobs wait already');

    expect(sut.refusedByQueue).toBe(true);
    expect(generationFailureResponse(sut)).toEqual({
      status: 503,
      body: { statusCode: 503, error: 'Overloaded', message: sut.message, retryable: true },
      headers: { 'Retry-After': '2' },
    });
  });

  it('answers a job Redis did not take as a retryable 503 with Retry-After, naming no backend', () => {
    const sut = new GenerationError('queue_unavailable', 'Redis did not take the job within 2000 ms');

    expect(generationFailureResponse(sut)).toEqual({
      status: 503,
      body: { statusCode: 503, error: 'QueueUnavailable', message: sut.message, retryable: true },
      headers: { 'Retry-After': '2' },
    });
  });
});
