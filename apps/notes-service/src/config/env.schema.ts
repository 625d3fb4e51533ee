import { millisecondsVar, parseEnv, portVar, wholeNumberVar } from '@rma/service-core';
import { platformEnvShape } from '@rma/service-platform';
import { z } from 'zod';

export const SERVICE_NAME = 'notes-service';

export const notesServiceEnvSchema = z.object({
  ...platformEnvShape,
  PORT: portVar(8100),
  /** Longest case notes accepted, in characters. */
  NOTES_MAX_CHARS: wholeNumberVar(100, 1_000_000).default(20_000),
  /** Most letters in one POST /letters/batch. */
  LETTER_BATCH_MAX_ITEMS: wholeNumberVar(1, 10_000).default(50),
  /** How long each step of a /letters/batch letter may wait and run as bulk work; past it that letter fails. */
  LETTER_BATCH_TIMEOUT_MS: millisecondsVar(1_800_000),
  /** A /letters/batch with more items than this runs as a background job (202 and a job id to poll). */
  LETTER_BATCH_JOB_MIN_ITEMS: wholeNumberVar(0, 10_000).default(5),
  /** How long a background batch's record and letters (personal data) are kept after its last change, in seconds. */
  LETTER_BATCH_RETENTION_SECONDS: wholeNumberVar(60, 604_800).default(3_600),
  /** The Flesch-Kincaid grade a letter should not exceed (grade 9 is a reading age of about 14). */
  LETTER_TARGET_GRADE: wholeNumberVar(1, 18).default(9),
  /** One rewrite call when a letter reads above the target grade (not for streamed letters). */
  LETTER_REWRITE: z.enum(['true', 'false'], { error: 'expected true or false' }).default('true'),
  /** The deadline of one /letters or /letters/stream request from its arrival, every model call included. */
  LETTER_TIMEOUT_MS: millisecondsVar(180_000),
});

export type NotesServiceEnv = z.output<typeof notesServiceEnvSchema>;

/** The ConfigModule validate hook: one error listing every bad variable. */
export function validateEnv(env: Record<string, unknown>): NotesServiceEnv {
  return parseEnv(SERVICE_NAME, notesServiceEnvSchema, env);
}
