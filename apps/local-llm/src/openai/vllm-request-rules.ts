import { modelValidatorError, pythonStr } from './vllm-request.errors';

// vLLM's request-model rules, for the fields local-llm reads, with vLLM's messages: the
// @model_validator(mode="before") checks of ChatCompletionRequest (vllm/entrypoints/openai/
// chat_completion/protocol.py, vLLM main at 002032ee, read for issue #14) and CompletionRequest
// (completion/protocol.py at d5dba2d7). They run on the raw JSON, before any field is typed.

type Body = Record<string, unknown>;

/** Python truthiness of a JSON value: `{}`, `[]`, `""`, `0`, `false` and `null` are all false. */
export function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

export const isObject = (value: unknown): value is Body =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
/** Python `isinstance(value, (int, float))`, where a bool is an int. */
const isNumeric = (value: unknown): value is number | boolean =>
  typeof value === 'number' || typeof value === 'boolean';

type Failure = Parameters<typeof modelValidatorError>[1];

/**
 * The chat request model's `mode="before"` validators (chat_completion/protocol.py,
 * ChatCompletionRequest). pydantic runs before-validators last-defined first, so they run here in that
 * order and the first failure is the one reported.
 */
export function checkChatModelRules(body: Body): void {
  const failure =
    checkGenerationPrompt(body) ??
    checkToolUsage(body) ??
    checkStructuredOutputsCount(body, { parameter: undefined, toolsToo: true }) ??
    checkChatLogprobs(body) ??
    validateStreamOptions(body) ??
    validateResponseFormat(body);
  if (failure) throw modelValidatorError(body, failure);
}

/** The completion request model's `mode="before"` validators (completion/protocol.py, CompletionRequest). */
export function checkCompletionModelRules(body: Body): void {
  const failure =
    validatePromptAndPromptEmbeds(body) ??
    validateStreamOptions(body) ??
    checkCompletionLogprobs(body) ??
    checkStructuredOutputsCount(body, { parameter: 'structured_outputs', toolsToo: false });
  if (failure) throw modelValidatorError(body, failure);
}

/** ChatCompletionRequest.check_generation_prompt: reads the raw body, so only values sent count. */
function checkGenerationPrompt(body: Body): Failure | undefined {
  if (truthy(body['continue_final_message']) && truthy(body['add_generation_prompt'])) {
    return { message: 'Cannot set both `continue_final_message` and `add_generation_prompt` to True.' };
  }
  return undefined;
}

const CORRECT_TOOL_CHOICE = 'Correct usage: `{"type": "function", "function": {"name": "my_function"}}`';

/** ChatCompletionRequest.check_tool_usage; like vLLM it defaults `tool_choice` to "auto" when tools are sent. */
function checkToolUsage(body: Body): Failure | undefined {
  const tools = body['tools'];
  if (Array.isArray(tools) && tools.length === 0) {
    return {
      message: '`tools` must not be an empty array. Either provide at least one tool or omit the field entirely.',
      parameter: 'tools',
    };
  }
  if (!('tool_choice' in body) && truthy(tools)) body['tool_choice'] = 'auto';
  const choice = body['tool_choice'];
  if (choice === 'none' || choice === undefined || choice === null) return undefined;
  if (tools === undefined || tools === null) {
    return { message: 'When using `tool_choice`, `tools` must be set.', parameter: 'tool_choice' };
  }
  if (choice !== 'auto' && choice !== 'required' && !isObject(choice)) {
    return {
      message: `Invalid value for \`tool_choice\`: ${pythonStr(choice)}! Only named tools, "none", "auto" or "required" are supported.`,
      parameter: 'tool_choice',
    };
  }
  if (!isObject(choice)) return undefined;
  const fn = choice['function'];
  if (!isObject(fn)) {
    return {
      message: `Invalid value for \`function\`: \`${pythonStr(fn ?? null)}\` in \`tool_choice\`! ${CORRECT_TOOL_CHOICE}`,
      parameter: 'tool_choice.function',
    };
  }
  if (!('name' in fn)) {
    return {
      message: `Expected field \`name\` in \`function\` in \`tool_choice\`! ${CORRECT_TOOL_CHOICE}`,
      parameter: 'tool_choice.function.name',
    };
  }
  const name = fn['name'];
  if (typeof name !== 'string' || name.length === 0) {
    return {
      message: `Invalid \`name\` in \`function\`: \`${pythonStr(name)}\` in \`tool_choice\`! ${CORRECT_TOOL_CHOICE}`,
      parameter: 'tool_choice.function.name',
    };
  }
  const named =
    Array.isArray(tools) &&
    tools.some((tool) => isObject(tool) && isObject(tool['function']) && tool['function']['name'] === name);
  if (!named) {
    return {
      message: 'The tool specified in `tool_choice` does not match any of the specified `tools`',
      parameter: 'tool_choice',
    };
  }
  return undefined;
}

/** check_structured_outputs_count: chat (no parameter, tools too) and completion (parameter set). */
function checkStructuredOutputsCount(
  body: Body,
  { parameter, toolsToo }: { parameter: string | undefined; toolsToo: boolean },
): Failure | undefined {
  const constraints = body['structured_outputs'];
  if (!isObject(constraints)) return undefined;
  const count = ['json', 'regex', 'choice'].filter(
    (key) => constraints[key] !== undefined && constraints[key] !== null,
  ).length;
  if (count > 1) {
    return {
      message: "You can only use one kind of constraints for structured outputs ('json', 'regex' or 'choice').",
      parameter,
    };
  }
  const toolChoice = 'tool_choice' in body ? body['tool_choice'] : 'none';
  if (toolsToo && count > 0 && !['none', 'auto', 'required'].includes(toolChoice as string)) {
    return { message: 'You can only either use constraints for structured outputs or tools, not both.' };
  }
  return undefined;
}

/** ChatCompletionRequest.check_logprobs (top_logprobs and prompt_logprobs). */
function checkChatLogprobs(body: Body): Failure | undefined {
  for (const field of ['prompt_logprobs', 'top_logprobs']) {
    const value = body[field];
    if (value !== undefined && value !== null && !isNumeric(value)) {
      return { message: `\`${field}\` must be an integer.`, parameter: field, value };
    }
  }
  const prompt = promptLogprobsFailure(body);
  if (prompt) return prompt;
  const top = numeric(body['top_logprobs']);
  if (top !== undefined) {
    if (top < 0 && top !== -1) {
      return {
        message: '`top_logprobs` must be a positive value or -1.',
        parameter: 'top_logprobs',
        value: body['top_logprobs'],
      };
    }
    if ((top === -1 || top > 0) && !truthy(body['logprobs'])) {
      return { message: 'when using `top_logprobs`, `logprobs` must be set to true.', parameter: 'top_logprobs' };
    }
  }
  return undefined;
}

/** CompletionRequest.check_logprobs (`logprobs` is a count there). */
function checkCompletionLogprobs(body: Body): Failure | undefined {
  const prompt = promptLogprobsFailure(body);
  if (prompt) return prompt;
  const logprobs = numeric(body['logprobs']);
  if (logprobs !== undefined && logprobs < 0) {
    return { message: '`logprobs` must be a positive value.', parameter: 'logprobs', value: body['logprobs'] };
  }
  return undefined;
}

function promptLogprobsFailure(body: Body): Failure | undefined {
  const prompt = numeric(body['prompt_logprobs']);
  if (prompt === undefined) return undefined;
  if (truthy(body['stream']) && (prompt > 0 || prompt === -1)) {
    return { message: '`prompt_logprobs` are not available when `stream=True`.', parameter: 'prompt_logprobs' };
  }
  if (prompt < 0 && prompt !== -1) {
    return {
      message: '`prompt_logprobs` must be a positive value or -1.',
      parameter: 'prompt_logprobs',
      value: body['prompt_logprobs'],
    };
  }
  return undefined;
}

const numeric = (value: unknown): number | undefined =>
  typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : undefined;

/** validate_stream_options: `stream_options` that is set and not empty needs `stream: true`. */
function validateStreamOptions(body: Body): Failure | undefined {
  if (truthy(body['stream_options']) && !truthy(body['stream'])) {
    return { message: 'Stream options can only be defined when `stream=True`.', parameter: 'stream_options' };
  }
  return undefined;
}

/** ChatCompletionRequest.validate_response_format. */
function validateResponseFormat(body: Body): Failure | undefined {
  const format = body['response_format'];
  if (isObject(format) && format['type'] === 'json_schema' && (format['json_schema'] ?? null) === null) {
    return {
      message: "When response_format type is 'json_schema', the 'json_schema' field must be provided.",
      parameter: 'response_format',
    };
  }
  return undefined;
}

/** CompletionRequest.validate_prompt_and_prompt_embeds: a plain ValueError, so no parameter. */
function validatePromptAndPromptEmbeds(body: Body): Failure | undefined {
  const prompt = body['prompt'];
  const embeds = body['prompt_embeds'];
  const promptEmpty = prompt === undefined || prompt === null || prompt === '';
  const embedsEmpty = embeds === undefined || embeds === null || (Array.isArray(embeds) && embeds.length === 0);
  if (promptEmpty && embedsEmpty) {
    return { message: 'Either prompt or prompt_embeds must be provided and non-empty.', plainValueError: true };
  }
  return undefined;
}
