import { parseEnv, portVar } from '@rma/service-core';
import { platformEnvShape } from '@rma/service-platform';
import { z } from 'zod';

export const SERVICE_NAME = 'doc-processor';

export const docProcessorEnvSchema = z.object({
  ...platformEnvShape,
  PORT: portVar(8101),
});

export type DocProcessorEnv = z.output<typeof docProcessorEnvSchema>;

/** The ConfigModule validate hook: one error listing every bad variable. */
export function validateEnv(env: Record<string, unknown>): DocProcessorEnv {
  return parseEnv(SERVICE_NAME, docProcessorEnvSchema, env);
}
