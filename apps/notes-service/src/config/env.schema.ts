import { parseEnv, portVar } from '@rma/service-core';
import { platformEnvShape } from '@rma/service-platform';
import { z } from 'zod';

export const SERVICE_NAME = 'notes-service';

export const notesServiceEnvSchema = z.object({
  ...platformEnvShape,
  PORT: portVar(8100),
});

export type NotesServiceEnv = z.output<typeof notesServiceEnvSchema>;

/** The ConfigModule validate hook: one error listing every bad variable. */
export function validateEnv(env: Record<string, unknown>): NotesServiceEnv {
  return parseEnv(SERVICE_NAME, notesServiceEnvSchema, env);
}
