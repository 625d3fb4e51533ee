import { z } from 'zod';

// Request bodies of Ollama's native API. Unknown fields are accepted and ignored, as Ollama does.

const format = z
  .union([z.literal('json'), z.literal(''), z.record(z.string(), z.unknown())], {
    error: 'format must be "json" or a JSON schema object',
  })
  .nullish();

const options = z
  .looseObject({
    num_predict: z.number().int().min(-2).nullish(),
    temperature: z.number().min(0).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    top_k: z.number().int().min(0).nullish(),
    seed: z.number().int().nullish(),
    stop: z.array(z.string()).nullish(),
    num_ctx: z.number().int().min(1).nullish(),
  })
  .nullish();

const common = {
  model: z
    .string({
      error: 'model is required: one of the names listed by GET /api/tags',
    })
    .min(1, {
      error: 'model is required: one of the names listed by GET /api/tags',
    }),
  stream: z.boolean().nullish(),
  format,
  options,
  keep_alive: z.union([z.string(), z.number()]).nullish(),
};

export const chatRequestSchema = z.looseObject({
  ...common,
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['system', 'user', 'assistant', 'tool'], {
          error: 'role must be one of system, user, assistant, tool',
        }),
        content: z.string().default(''),
        images: z.array(z.string()).nullish(),
      }),
    )
    .default([]),
});

export const generateRequestSchema = z.looseObject({
  ...common,
  prompt: z.string().default(''),
  system: z.string().nullish(),
  images: z.array(z.string()).nullish(),
  raw: z.boolean().nullish(),
});

export const embedRequestSchema = z.looseObject({
  model: common.model,
  input: z.union([z.string(), z.array(z.string()).min(1, { error: 'input must hold at least one text' })]),
  truncate: z.boolean().nullish(),
});

export type OllamaOptions = z.output<typeof options>;
