import { generationEnvShape } from '@rma/generation-queue';
import { llmEnvShape } from '@rma/llm-provider';
import { parseEnv, portVar, serviceEnvShape } from '@rma/service-core';
import { z } from 'zod';

export const SERVICE_NAME = 'doc-processor';

export const docProcessorEnvSchema = z.object({
  ...serviceEnvShape,
  ...llmEnvShape,
  ...generationEnvShape,
  PORT: portVar(8101),
});

export type DocProcessorEnv = z.output<typeof docProcessorEnvSchema>;

/** The ConfigModule validate hook: one error listing every bad variable. */
export function validateEnv(env: Record<string, unknown>): DocProcessorEnv {
  return parseEnv(SERVICE_NAME, docProcessorEnvSchema, env);
}
