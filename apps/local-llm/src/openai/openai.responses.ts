import { randomUUID } from 'node:crypto';
import type { FinishReason, GenerationResult } from '../engine/engine.types';

// Response bodies exactly as vLLM serialises its pydantic models (vLLM main, chat_completion/protocol.py
// and completion/protocol.py at d5dba2d7, engine/protocol.py): whole answers through `model_dump()`, so
// every field with a default is sent; chat chunks through `model_dump_json(exclude_unset=True)`, so only
// the fields chat_completion/serving.py sets; completion chunks through `exclude_unset=False`, so all of
// them; the usage chunk of either with `exclude_none=True` as well.

/** vllm.utils.random_uuid(): uuid4().hex. */
export const randomHex = () => randomUUID().replaceAll('-', '');

/**
 * UsageInfo: `prompt_tokens_details` is null unless --enable-prompt-tokens-details and a cache hit (the
 * routes leave `cachedTokens` out without the flag).
 */
export function usageInfo(result: Pick<GenerationResult, 'promptTokens' | 'completionTokens' | 'cachedTokens'>) {
  return {
    prompt_tokens: result.promptTokens,
    total_tokens: result.promptTokens + result.completionTokens,
    completion_tokens: result.completionTokens,
    prompt_tokens_details: result.cachedTokens ? { cached_tokens: result.cachedTokens } : null,
  };
}

/** The usage chunk: `exclude_none=True` drops a null `prompt_tokens_details`. */
function usageWithoutNones(result: GenerationResult) {
  const { prompt_tokens_details: details, ...usage } = usageInfo(result);
  return details ? { ...usage, prompt_tokens_details: details } : usage;
}

/** What a response says about the whole request. */
export interface AnswerHead {
  id: string;
  created: number;
  model: string;
}

/** `stop_reason`: the stop string that ended generation; null for the end token or max_tokens. */
const stopReason = (result: GenerationResult) => result.stopReason ?? null;

/** ChatCompletionResponse with one ChatCompletionResponseChoice and its ChatMessage. */
export function chatCompletionBody(head: AnswerHead, result: GenerationResult) {
  return {
    id: head.id,
    object: 'chat.completion',
    created: head.created,
    model: head.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: result.text,
          refusal: null,
          annotations: null,
          audio: null,
          function_call: null,
          tool_calls: [],
          reasoning: null,
        },
        logprobs: null,
        finish_reason: result.finishReason,
        stop_reason: stopReason(result),
        token_ids: null,
      },
    ],
    service_tier: null,
    system_fingerprint: null,
    usage: usageInfo(result),
    prompt_logprobs: null,
    prompt_token_ids: null,
    kv_transfer_params: null,
  };
}

/** CompletionResponse with one CompletionResponseChoice. */
export function completionBody(head: AnswerHead, result: GenerationResult) {
  return {
    id: head.id,
    object: 'text_completion',
    created: head.created,
    model: head.model,
    choices: [
      {
        index: 0,
        text: result.text,
        logprobs: null,
        finish_reason: result.finishReason,
        stop_reason: stopReason(result),
        token_ids: null,
        prompt_logprobs: null,
        prompt_token_ids: null,
      },
    ],
    service_tier: null,
    system_fingerprint: null,
    usage: usageInfo(result),
    kv_transfer_params: null,
  };
}

const chunkHead = (head: AnswerHead, object: string) => ({
  id: head.id,
  object,
  created: head.created,
  model: head.model,
});

/** The chunks of a streamed chat completion (chat_completion_stream_generator). */
export const chatChunks = {
  /** The first chunk: the role, empty content, and `prompt_token_ids` set (to null) on the response. */
  first: (head: AnswerHead) => ({
    ...chunkHead(head, 'chat.completion.chunk'),
    choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    prompt_token_ids: null,
  }),
  text: (head: AnswerHead, text: string) => ({
    ...chunkHead(head, 'chat.completion.chunk'),
    choices: [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null, token_ids: null }],
  }),
  /** The finishing chunk as vLLM sends it when the end token (no text) ends generation. */
  finish: (head: AnswerHead, result: GenerationResult) => ({
    ...chunkHead(head, 'chat.completion.chunk'),
    choices: [
      {
        index: 0,
        delta: { content: '' },
        logprobs: null,
        finish_reason: result.finishReason,
        stop_reason: stopReason(result),
        token_ids: null,
      },
    ],
  }),
  usage: (head: AnswerHead, result: GenerationResult) => ({
    ...chunkHead(head, 'chat.completion.chunk'),
    choices: [],
    usage: usageWithoutNones(result),
  }),
};

/** A CompletionStreamResponse with one CompletionResponseStreamChoice, every field sent. */
function completionChunk(head: AnswerHead, text: string, finish?: GenerationResult) {
  return {
    ...chunkHead(head, 'text_completion'),
    choices: [
      {
        index: 0,
        text,
        logprobs: null,
        finish_reason: (finish?.finishReason ?? null) as FinishReason | null,
        stop_reason: finish ? stopReason(finish) : null,
        prompt_token_ids: null,
        token_ids: null,
      },
    ],
    usage: null,
  };
}

/** The chunks of a streamed completion (completion_stream_generator). */
export const completionChunks = {
  text: (head: AnswerHead, text: string) => completionChunk(head, text),
  finish: (head: AnswerHead, result: GenerationResult) => completionChunk(head, '', result),
  usage: (head: AnswerHead, result: GenerationResult) => ({
    ...chunkHead(head, 'text_completion'),
    choices: [],
    usage: usageWithoutNones(result),
  }),
};

/** ModelList of ModelCards (OpenAIServingModels.show_available_models: one ModelPermission each). */
export function modelList({
  names,
  root,
  maxModelLength,
}: {
  names: readonly string[];
  root: string;
  maxModelLength: number;
}) {
  const created = Math.floor(Date.now() / 1000);
  return {
    object: 'list',
    data: names.map((id) => ({
      id,
      object: 'model',
      created,
      owned_by: 'vllm',
      root,
      parent: null,
      max_model_len: maxModelLength,
      permission: [
        {
          id: `modelperm-${randomHex()}`,
          object: 'model_permission',
          created,
          allow_create_engine: false,
          allow_sampling: true,
          allow_logprobs: true,
          allow_search_indices: false,
          allow_view: true,
          allow_fine_tuning: false,
          organization: '*',
          group: null,
          is_blocking: false,
        },
      ],
    })),
  };
}
