import { generationEnvShape } from '@rma/generation-queue';
import { llmEnvShape } from '@rma/llm-provider';
import { parseEnv, portVar, serviceEnvShape } from '@rma/service-core';
import { z } from 'zod';

export const SERVICE_NAME = 'notes-service';

export const notesServiceEnvSchema = z.object({
  ...serviceEnvShape,
  ...llmEnvShape,
  ...generationEnvShape,
  PORT: portVar(8100),
});

export type NotesServiceEnv = z.output<typeof notesServiceEnvSchema>;

/** The ConfigModule validate hook: one error listing every bad variable. */
export function validateEnv(env: Record<string, unknown>): NotesServiceEnv {
  return parseEnv(SERVICE_NAME, notesServiceEnvSchema, env);
}
