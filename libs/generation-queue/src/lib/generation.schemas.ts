import { z } from 'zod';

// Job payloads and results cross process boundaries through Redis: validated at both ends.

const message = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
  images: z.array(z.string()).optional(),
});

export const generationRequestSchema = z.object({
  messages: z.array(message).min(1),
  maxTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  seed: z.number().int().optional(),
  stop: z.array(z.string()).optional(),
  /** `vision` for messages with images. */
  role: z.enum(['chat', 'vision']).optional(),
  /**
   * Structured output: the server constrains the text to this JSON schema and the worker validates it
   * (one corrective retry when not streaming); the result's `value` holds the parsed JSON.
   */
  format: z.object({ name: z.string().min(1), schema: z.record(z.string(), z.unknown()) }).optional(),
});

export const generationJobSchema = z.object({
  request: generationRequestSchema,
  workClass: z.enum(['interactive', 'bulk']),
  /** Tokens go to a Redis Stream for the caller. */
  stream: z.boolean(),
  enqueuedAt: z.number(),
});

export const generationResultSchema = z.object({
  text: z.string(),
  finishReason: z.string(),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }),
  backend: z.object({ kind: z.string(), url: z.string(), model: z.string().optional(), fallback: z.boolean() }),
  timings: z.object({ queueMs: z.number(), runMs: z.number(), firstTokenMs: z.number().optional() }),
  attempts: z.number().int(),
  /** The parsed JSON of a structured-output request. */
  value: z.unknown().optional(),
});

export type GenerationRequest = z.output<typeof generationRequestSchema>;
export type GenerationJob = z.output<typeof generationJobSchema>;
export type GenerationResult = z.output<typeof generationResultSchema>;
