import { z } from 'zod';
import { GenerationError } from './generation.errors';
import type { GenerationRequest, GenerationResult } from './generation.schemas';

/** The job payload's `format` for a zod schema. */
export function formatFor(schema: z.ZodType, name = 'output'): NonNullable<GenerationRequest['format']> {
  const { $schema: _ignored, ...jsonSchema } = z.toJSONSchema(schema) as Record<string, unknown>;
  return { name, schema: jsonSchema };
}

/** A structured result's value, parsed by the caller's own schema; a mismatch is the model's fault (502). */
export function parseStructured<Schema extends z.ZodType>(schema: Schema, result: GenerationResult): z.output<Schema> {
  const parsed = schema.safeParse(result.value);
  if (parsed.success) return parsed.data;
  throw new GenerationError('failed', `structured output did not validate: ${describeIssues(parsed.error)}`, {
    llmErrorKind: 'invalid_output',
    retryable: false,
    backend: result.backend.kind,
  });
}

/** Zod issues as one line: `path: message; ...`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}
