import {
  checkOutputFitsContext,
  checkSamplingParams,
  checkStructuredOutputsField,
  checkToolChoiceSupport,
  mergedConstraints,
} from './vllm-serving-rules';
import { VllmRequestError } from './vllm-request.errors';

/** The error a check throws, or undefined when it passes. */
function thrown(check: () => void): VllmRequestError | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (error instanceof VllmRequestError) return error;
    throw error;
  }
}

describe('vLLM serving checks', () => {
  it('refuses more than one structured-output kind in one field', () => {
    const sut = thrown(() =>
      checkStructuredOutputsField({ structured_outputs: { json: {}, grammar: 'root ::= [a]' } }),
    );

    expect(sut).toMatchObject({ errorType: 'Bad Request', param: 'body.structured_outputs' });
    expect(sut?.message).toContain(
      "You can only use one kind of structured outputs constraint but multiple are specified: {'json': {}",
    );
  });

  it.each([
    [{ temperature: 5 }, 'temperature must be in [0, 2], got 5.0. (parameter=temperature, value=5.0)', 'temperature'],
    [
      { temperature: -0.5 },
      'temperature must be non-negative, got -0.5. (parameter=temperature, value=-0.5)',
      'temperature',
    ],
    [{ top_p: 0 }, 'top_p must be in (0, 1], got 0.0. (parameter=top_p, value=0.0)', 'top_p'],
    [{ top_k: -2 }, 'top_k must be 0 (disable), or at least 1, got -2.', null],
    [{ n: 0 }, 'n must be at least 1, got 0.', null],
    [{ maxTokens: 0 }, 'max_tokens must be at least 1, got 0. (parameter=max_tokens, value=0)', 'max_tokens'],
    [{ stop: ['ok', ''] }, 'stop cannot contain an empty string.', null],
    [{ temperature: 0, n: 2 }, 'n must be 1 when using greedy sampling, got 2.', null],
  ])('refuses %j as SamplingParams._verify_args does', (fields, message, param) => {
    const sut = thrown(() => checkSamplingParams(fields));

    expect(sut).toMatchObject({ status: 400, errorType: 'BadRequestError', param, message });
  });

  it('accepts the edges vLLM accepts', () => {
    expect(thrown(() => checkSamplingParams({ temperature: 2, top_p: 1, top_k: -1, maxTokens: 1 }))).toBeUndefined();
    expect(thrown(() => checkSamplingParams({}))).toBeUndefined();
  });

  it('refuses more output tokens than the context holds, with TokenizeParams wording', () => {
    const sut = thrown(() => checkOutputFitsContext({ maxTokens: 5000, parameter: 'max_tokens' }, 2048));

    expect(sut).toMatchObject({
      errorType: 'BadRequestError',
      param: 'max_tokens',
      message:
        'max_tokens=5000cannot be greater than max_model_len=max_total_tokens=2048. Please request fewer output tokens. ' +
        '(parameter=max_tokens, value=5000)',
    });
    expect(thrown(() => checkOutputFitsContext({ maxTokens: 2048, parameter: 'max_tokens' }, 2048))).toBeUndefined();
  });

  it('refuses tools on a server started without a tool parser', () => {
    expect(thrown(() => checkToolChoiceSupport({ tool_choice: 'auto' }))?.message).toBe(
      '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
    );
    expect(
      thrown(() => checkToolChoiceSupport({ tool_choice: { type: 'function', function: { name: 'f' } } }))?.message,
    ).toBe(
      "tool_choice=\"function=ChatCompletionNamedFunction(name='f') type='function'\" requires --tool-call-parser to be set",
    );
    expect(thrown(() => checkToolChoiceSupport({ tool_choice: 'none' }))).toBeUndefined();
  });

  it('applies response_format over structured_outputs and refuses a second kind', () => {
    expect(
      mergedConstraints({
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
      }),
    ).toEqual({ json: { type: 'object' } });
    expect(
      thrown(() => mergedConstraints({ response_format: { type: 'json_object' }, structured_outputs: { json: {} } })),
    ).toMatchObject({
      errorType: 'BadRequestError',
      message: expect.stringContaining(
        'You can only use one kind of structured outputs constraint but multiple are specified',
      ),
    });
    expect(mergedConstraints({ response_format: { type: 'text' } })).toBeUndefined();
  });
});
