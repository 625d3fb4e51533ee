import { z } from 'zod';

// Request bodies of vLLM's OpenAI-compatible API: the field types of its pydantic request models
// (chat_completion/protocol.py, completion/protocol.py). Unknown fields are accepted and ignored, as
// vLLM does. Ranges are not checked here: vllm-request-rules.ts applies vLLM's own rules, with its
// messages, in the order vLLM runs them.

/** torch.long's range: vLLM's bound on `seed` (Field(ge=_LONG_INFO.min, le=_LONG_INFO.max)). */
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

const integer = z.number().int();

const sampling = {
  model: z.string().nullish(),
  max_tokens: integer.nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  top_k: integer.nullish(),
  seed: integer
    .refine((seed) => BigInt(seed) >= INT64.min && BigInt(seed) <= INT64.max, {
      error: `Input should be between ${INT64.min} and ${INT64.max}`,
    })
    .nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  n: integer.nullish(),
  stream: z.boolean().nullish(),
  stream_options: z
    .looseObject({ include_usage: z.boolean().nullish(), continuous_usage_stats: z.boolean().nullish() })
    .nullish(),
  priority: integer.nullish(),
  response_format: z
    .discriminatedUnion('type', [
      z.looseObject({ type: z.literal('text') }),
      z.looseObject({ type: z.literal('json_object') }),
      z.looseObject({
        type: z.literal('json_schema'),
        json_schema: z.looseObject({
          name: z.string(),
          schema: z.record(z.string(), z.unknown()).nullish(),
          strict: z.boolean().nullish(),
        }),
      }),
    ])
    .nullish(),
  /** StructuredOutputsParams (vllm/sampling_params.py); `guided_json` and friends were replaced by it. */
  structured_outputs: z
    .looseObject({
      json: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
      regex: z.string().nullish(),
      choice: z.array(z.string()).nullish(),
      grammar: z.string().nullish(),
      json_object: z.boolean().nullish(),
      structural_tag: z.string().nullish(),
    })
    .nullish(),
  prompt_logprobs: integer.nullish(),
};

const contentPart = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text'), text: z.string() }),
  z.looseObject({
    type: z.literal('image_url'),
    image_url: z.looseObject({ url: z.string() }),
  }),
]);

export const chatCompletionRequestSchema = z.looseObject({
  ...sampling,
  max_completion_tokens: integer.nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: integer.nullish(),
  tools: z
    .array(z.looseObject({ type: z.literal('function').optional(), function: z.looseObject({ name: z.string() }) }))
    .nullish(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      z.looseObject({ type: z.literal('function').optional(), function: z.looseObject({ name: z.string() }) }),
    ])
    .nullish(),
  messages: z
    .array(
      z.looseObject({
        // Any role, as vLLM's CustomChatCompletionMessageParam (role: Required[str]) takes: the chat
        // template decides what it means.
        role: z.string({ error: 'role must be a string' }),
        content: z.union([z.string(), z.array(contentPart)]).nullish(),
      }),
    )
    .min(1, { error: 'messages must hold at least one message' }),
});

export const completionRequestSchema = z.looseObject({
  ...sampling,
  logprobs: integer.nullish(),
  prompt: z.union([z.string(), z.array(z.string()).length(1, { error: 'only one prompt per request is supported' })]),
});

export const embeddingRequestSchema = z.looseObject({
  model: z.string().nullish(),
  input: z.union([z.string(), z.array(z.string()).min(1, { error: 'input must hold at least one text' }).max(2048)]),
  encoding_format: z
    .enum(['float', 'base64'], {
      error: 'encoding_format must be float or base64',
    })
    .nullish(),
});

export type ChatCompletionRequest = z.output<typeof chatCompletionRequestSchema>;
export type CompletionRequest = z.output<typeof completionRequestSchema>;
export type EmbeddingRequest = z.output<typeof embeddingRequestSchema>;
