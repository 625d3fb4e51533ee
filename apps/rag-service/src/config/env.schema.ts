import { parseEnv, portVar } from '@rma/service-core';
import { platformEnvShape } from '@rma/service-platform';
import { z } from 'zod';

export const SERVICE_NAME = 'rag-service';

export const ragServiceEnvSchema = z.object({
  ...platformEnvShape,
  PORT: portVar(8102),
});

export type RagServiceEnv = z.output<typeof ragServiceEnvSchema>;

/** The ConfigModule validate hook: one error listing every bad variable. */
export function validateEnv(env: Record<string, unknown>): RagServiceEnv {
  return parseEnv(SERVICE_NAME, ragServiceEnvSchema, env);
}
