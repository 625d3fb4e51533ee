import { parseEnv, portVar } from '@rma/service-core';
import { platformEnvShape } from '@rma/service-platform';
import { z } from 'zod';

export const SERVICE_NAME = 'generation-worker';

export const generationWorkerEnvSchema = z.object({
  ...platformEnvShape,
  PORT: portVar(8103),
});

export type GenerationWorkerEnv = z.output<typeof generationWorkerEnvSchema>;

/** The ConfigModule validate hook: one error listing every bad variable. */
export function validateEnv(env: Record<string, unknown>): GenerationWorkerEnv {
  return parseEnv(SERVICE_NAME, generationWorkerEnvSchema, env);
}
