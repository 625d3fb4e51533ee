import { LlmBadRequestError, LlmUnavailableError } from '@rma/llm-provider';
import { decodeFailure, encodeFailure, failureOfRun } from './generation-failure.codec';
import { GenerationError } from './generation.errors';

describe('generation failure codec', () => {
  it('carries a GenerationError through a job failedReason with its code, message and details', () => {
    const sut = new GenerationError('failed', 'the model answered badly', {
      llmErrorKind: 'invalid_output',
      retryable: false,
      backend: 'vllm',
    });

    const decoded = decodeFailure(encodeFailure(sut), 'job-1');

    expect(decoded).toBeInstanceOf(GenerationError);
    expect(decoded).toMatchObject({
      code: 'failed',
      message: 'the model answered badly',
      details: { llmErrorKind: 'invalid_output', retryable: false, backend: 'vllm', jobId: 'job-1' },
    });
  });

  it("reads a reason BullMQ wrote itself (a job stalled too often) as a plain failure with the job's id", () => {
    expect(decodeFailure('job stalled more than allowable limit', 'job-2')).toMatchObject({
      code: 'failed',
      message: 'job stalled more than allowable limit',
      details: { jobId: 'job-2' },
    });
  });

  it("keeps an LLM error's kind, retry verdict and backend", () => {
    const raw = new LlmUnavailableError('connection refused', { backend: { kind: 'ollama', url: 'http://x' } });

    expect(failureOfRun(raw, { jobId: 'job-3', cancelled: false })).toMatchObject({
      code: 'failed',
      details: { llmErrorKind: 'unavailable', retryable: true, backend: 'ollama', jobId: 'job-3' },
    });
    expect(failureOfRun(new LlmBadRequestError('bad stop'), { jobId: 'job-3', cancelled: false })).toMatchObject({
      details: { llmErrorKind: 'bad_request', retryable: false },
    });
  });

  it("is a cancellation, whatever the LLM threw, when the job's caller cancelled it", () => {
    const raw = new LlmUnavailableError('aborted');

    expect(failureOfRun(raw, { jobId: 'job-4', cancelled: true })).toMatchObject({ code: 'cancelled' });
  });
});
