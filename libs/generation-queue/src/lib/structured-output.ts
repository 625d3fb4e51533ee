import { describeZodIssues, jsonSchemaOf } from '@rma/llm-provider';
import { z } from 'zod';
import { GenerationError } from './generation.errors';
import type { GenerationRequest, GenerationResult } from './generation.schemas';

/** The job payload's `format` for a zod schema. */
export function formatFor(schema: z.ZodType, name = 'output'): NonNullable<GenerationRequest['format']> {
  return { name, schema: jsonSchemaOf(schema) };
}

/** A structured result's value, parsed by the caller's own schema; a mismatch is the model's fault (502). */
export function parseStructured<Schema extends z.ZodType>(schema: Schema, result: GenerationResult): z.output<Schema> {
  const parsed = schema.safeParse(result.value);
  if (parsed.success) return parsed.data;
  throw new GenerationError('failed', `structured output did not validate: ${describeZodIssues(parsed.error)}`, {
    llmErrorKind: 'invalid_output',
    retryable: false,
    backend: result.backend.kind,
  });
}
