import { checkChatModelRules, checkCompletionModelRules, truthy } from './vllm-request-rules';
import { VllmRequestError } from './vllm-request.errors';

const chat = (extra: Record<string, unknown>) => ({
  model: 'llama3.2',
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

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

describe('vLLM request model validators', () => {
  it("refuses stream_options without stream: true, as vLLM's validate_stream_options does", () => {
    const sut = thrown(() => checkChatModelRules(chat({ stream_options: { include_usage: true } })));

    expect(sut).toMatchObject({ status: 400, errorType: 'Bad Request', param: 'stream_options' });
    expect(sut?.message).toBe(
      "1 validation error:\n  {'type': 'value_error', 'loc': 'body', 'msg': 'Value error, Stream options can only be " +
        "defined when `stream=True`. (parameter=stream_options)', 'input': '<dict of 3 items>', 'ctx': {'error': " +
        "VLLMValidationError('Stream options can only be defined when `stream=True`.')}}",
    );
  });

  it.each([
    ['with stream: true', { stream: true, stream_options: { include_usage: true } }],
    ['when empty (falsy in Python)', { stream_options: {} }],
    ['when null', { stream_options: null }],
  ])('accepts stream_options %s', (_case, extra) => {
    expect(thrown(() => checkChatModelRules(chat(extra)))).toBeUndefined();
    expect(thrown(() => checkCompletionModelRules({ prompt: 'p', ...extra }))).toBeUndefined();
  });

  it.each([
    [{ top_logprobs: 2 }, 'when using `top_logprobs`, `logprobs` must be set to true.', 'top_logprobs'],
    [{ top_logprobs: -2, logprobs: true }, '`top_logprobs` must be a positive value or -1.', 'top_logprobs'],
    [{ top_logprobs: 'five' }, '`top_logprobs` must be an integer.', 'top_logprobs'],
    [
      { prompt_logprobs: 1, stream: true },
      '`prompt_logprobs` are not available when `stream=True`.',
      'prompt_logprobs',
    ],
    [{ response_format: { type: 'json_schema' } }, "the 'json_schema' field must be provided", 'response_format'],
    [{ tools: [] }, '`tools` must not be an empty array', 'tools'],
    [{ tool_choice: 'auto' }, 'When using `tool_choice`, `tools` must be set.', 'tool_choice'],
    [{ continue_final_message: true, add_generation_prompt: true }, 'Cannot set both', 'body'],
    [
      { structured_outputs: { json: {}, regex: 'a+' } },
      "You can only use one kind of constraints for structured outputs ('json', 'regex' or 'choice').",
      'body',
    ],
  ])('refuses %j with vLLM message and param', (extra, message, param) => {
    const sut = thrown(() => checkChatModelRules(chat(extra)));

    expect(sut).toMatchObject({ status: 400, errorType: 'Bad Request', param });
    expect(sut?.message).toContain(message);
  });

  it('accepts top_logprobs with logprobs: true, and 0 without it', () => {
    expect(thrown(() => checkChatModelRules(chat({ top_logprobs: 3, logprobs: true })))).toBeUndefined();
    expect(thrown(() => checkChatModelRules(chat({ top_logprobs: 0 })))).toBeUndefined();
  });

  it('defaults tool_choice to "auto" once tools are sent, as check_tool_usage does', () => {
    const body: Record<string, unknown> = chat({ tools: [{ type: 'function', function: { name: 'f' } }] });

    checkChatModelRules(body);

    expect(body['tool_choice']).toBe('auto');
  });

  it('refuses a completion without a prompt with a plain ValueError (no parameter)', () => {
    const sut = thrown(() => checkCompletionModelRules({ model: 'm', prompt: '' }));

    expect(sut).toMatchObject({ errorType: 'Bad Request', param: 'body' });
    expect(sut?.message).toContain(
      "'ctx': {'error': ValueError('Either prompt or prompt_embeds must be provided and non-empty.')}",
    );
  });
});

describe(truthy.name, () => {
  it('follows Python truthiness', () => {
    expect([{}, [], '', 0, false, null, undefined].map(truthy)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect([{ a: 1 }, [0], 'x', 1, true].map(truthy)).toEqual([true, true, true, true, true]);
  });
});
