import { z } from 'zod';

// Request bodies of vLLM's OpenAI-compatible API. Unknown fields are accepted and ignored, as vLLM does.

const stop = z.union([z.string(), z.array(z.string()).max(16)]).nullish();

const sampling = {
  model: z.string({
    error: 'model is required: one of the names listed by GET /v1/models',
  }),
  max_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  top_k: z.number().int().min(-1).nullish(),
  seed: z.number().int().nullish(),
  stop,
  n: z.literal(1, { error: 'only n=1 is supported' }).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  priority: z.number().int().nullish(),
  response_format: z
    .discriminatedUnion('type', [
      z.looseObject({ type: z.literal('text') }),
      z.looseObject({ type: z.literal('json_object') }),
      z.looseObject({
        type: z.literal('json_schema'),
        json_schema: z.looseObject({
          name: z.string().optional(),
          schema: z.record(z.string(), z.unknown(), {
            error: 'json_schema.schema must be a JSON schema object',
          }),
          strict: z.boolean().nullish(),
        }),
      }),
    ])
    .nullish(),
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
  max_completion_tokens: z.number().int().min(1).nullish(),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['system', 'developer', 'user', 'assistant'], {
          error: 'role must be one of system, developer, user, assistant',
        }),
        content: z.union([z.string(), z.array(contentPart)]).nullish(),
      }),
    )
    .min(1, { error: 'messages must hold at least one message' }),
});

export const completionRequestSchema = z.looseObject({
  ...sampling,
  prompt: z.union([z.string(), z.array(z.string()).length(1, { error: 'only one prompt per request is supported' })]),
});

export const embeddingRequestSchema = z.looseObject({
  model: sampling.model,
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
