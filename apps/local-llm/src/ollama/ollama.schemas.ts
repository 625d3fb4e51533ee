import { z } from 'zod';
import { ApiError } from '../http/api-error';

// Request bodies of Ollama's native API as its Go types decode them (ollama api/types.go): unknown
// fields are ignored, and a JSON null leaves a field at its zero value ("" for a string, no slice, no
// map, a nil pointer), so null is accepted wherever the field itself is. Ollama checks no ranges on
// options either: what it refuses is refused here, and nothing more.

const format = z
  .union([z.literal('json'), z.literal(''), z.record(z.string(), z.unknown())], {
    error: 'format must be "json" or a JSON schema object',
  })
  .nullish();

/** A Go string field: null decodes to "". */
const goString = z
  .string()
  .nullish()
  .transform((value) => value ?? '');

const common = {
  model: goString,
  stream: z.boolean().nullish(),
  format,
  options: z.record(z.string(), z.unknown()).nullish(),
  keep_alive: z.union([z.string(), z.number()]).nullish(),
  top_logprobs: z.number().int().nullish(),
};

export const chatRequestSchema = z.looseObject({
  ...common,
  messages: z
    .array(
      z.looseObject({
        // Message.UnmarshalJSON lowercases the role and nothing checks it: the template renders any role.
        role: goString.transform((role) => role.toLowerCase()),
        content: goString,
        images: z.array(z.string()).nullish(),
      }),
    )
    .nullish()
    .transform((messages) => messages ?? []),
});

export const generateRequestSchema = z.looseObject({
  ...common,
  prompt: goString,
  system: goString,
  images: z.array(z.string()).nullish(),
  raw: z.boolean().nullish(),
});

/** EmbedRequest.Input is `any`: EmbedHandler sorts out its type itself. */
export const embedRequestSchema = z.looseObject({
  model: goString,
  input: z.unknown(),
  truncate: z.boolean().nullish(),
});

/** The options local-llm reads, as api.Options.FromMap leaves them. */
export interface OllamaOptions {
  num_predict?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  seed?: number;
  stop?: string[];
  num_ctx?: number;
}

const OPTION_KINDS: Record<keyof OllamaOptions, 'int' | 'float32' | 'strings'> = {
  num_predict: 'int',
  temperature: 'float32',
  top_p: 'float32',
  top_k: 'int',
  seed: 'int',
  stop: 'strings',
  num_ctx: 'int',
};

/**
 * api.Options.FromMap (ollama api/types.go): a null value is skipped, an int option takes any JSON
 * number and truncates it, and a value of the wrong type fails. Ollama reports that failure from
 * scheduleRunner through handleScheduleError's default branch: a 500 with this message.
 */
export function readOllamaOptions(options: Record<string, unknown> | null | undefined): OllamaOptions {
  const read: OllamaOptions = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    const kind = OPTION_KINDS[key as keyof OllamaOptions];
    if (!kind || value === null) continue;
    if (kind === 'strings') {
      if (!Array.isArray(value)) throw new ApiError(500, `option "${key}" must be of type array`);
      if (value.some((item) => typeof item !== 'string')) {
        throw new ApiError(500, `option "${key}" must be of an array of strings`);
      }
      read.stop = value as string[];
    } else if (typeof value !== 'number') {
      throw new ApiError(500, `option "${key}" must be of type ${kind === 'int' ? 'integer' : 'float32'}`);
    } else {
      (read as Record<string, number>)[key] = kind === 'int' ? Math.trunc(value) : value;
    }
  }
  return read;
}
