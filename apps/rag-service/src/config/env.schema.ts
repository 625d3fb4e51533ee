import { generationEnvShape } from '@rma/generation-queue';
import { llmEnvShape } from '@rma/llm-provider';
import { parseEnv, portVar, serviceEnvShape } from '@rma/service-core';
import { z } from 'zod';

export const SERVICE_NAME = 'rag-service';

export const ragServiceEnvSchema = z.object({
  ...serviceEnvShape,
  ...llmEnvShape,
  ...generationEnvShape,
  PORT: portVar(8102),
});

export type RagServiceEnv = z.output<typeof ragServiceEnvSchema>;

/** The ConfigModule validate hook: one error listing every bad variable. */
export function validateEnv(env: Record<string, unknown>): RagServiceEnv {
  return parseEnv(SERVICE_NAME, ragServiceEnvSchema, env);
}
