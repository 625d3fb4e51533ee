import { millisecondsVar, parseEnv, portVar, urlVar, wholeNumberVar } from '@rma/service-core';
import { platformEnvShape } from '@rma/service-platform';
import { z } from 'zod';

export const SERVICE_NAME = 'rag-service';

export const ragServiceEnvSchema = z
  .object({
    ...platformEnvShape,
    PORT: portVar(8102),
    /** The Chroma server holding the manuals' chunks. */
    CHROMA_URL: urlVar(['http:', 'https:'], 'http://127.0.0.1:8001'),
    CHROMA_COLLECTION: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{1,61}[a-zA-Z0-9]$/, {
        error: 'expected 3-63 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit',
      })
      .default('manuals'),
    /** Each client's documents (from doc-processor) go to the collection named this plus the client's id. */
    CLIENT_COLLECTION_PREFIX: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{1,12}$/, {
        // With a client id of up to 48 characters (and 2 more for an id ending in - or _), a name stays within 63.
        error: 'expected 2-13 letters, digits, dots, dashes or underscores, starting with a letter or digit',
      })
      .default('client-'),
    /** Ingested at start when the collection is empty: empty = the sample manuals shipped with the service; off = none. */
    MANUALS_DIR: z.string().default(''),
    CHUNK_SIZE: wholeNumberVar(200, 8000).default(1000),
    CHUNK_OVERLAP: wholeNumberVar(0, 4000).default(150),
    /** Largest file accepted by POST /documents (multipart). */
    UPLOAD_MAX_BYTES: wholeNumberVar(1024, 500 * 1024 * 1024).default(10 * 1024 * 1024),
    /** A document with more chunks than this is ingested as a background job (202 and a job id). */
    INGEST_JOB_MIN_CHUNKS: wholeNumberVar(1, 1_000_000).default(40),
    /** The deadline of one POST /documents that ingests inline (a background job's 202 comes at once); then 504. */
    INGEST_TIMEOUT_MS: millisecondsVar(120_000),
    /**
     * The deadline of indexing one client document from doc-processor (its reply then says to retry): below
     * doc-processor's HANDOFF_TIMEOUT_MS (30 s), so that the reply reaches it before it gives up.
     */
    CLIENT_DOCUMENT_TIMEOUT_MS: millisecondsVar(25_000),
    /** Background ingests run at once in one process; more wait (queued), up to INGEST_JOBS_MAX_WAITING. */
    INGEST_JOBS_CONCURRENCY: wholeNumberVar(1, 64).default(2),
    /** Background ingests waiting for a turn in one process; past it a large document gets 503. */
    INGEST_JOBS_MAX_WAITING: wholeNumberVar(0, 10_000).default(20),
    QUESTION_MAX_CHARS: wholeNumberVar(10, 100_000).default(2000),
    ASK_TOP_K: wholeNumberVar(1, 50).default(5),
    ASK_BATCH_MAX_QUESTIONS: wholeNumberVar(1, 10_000).default(50),
    /** Longest answer, in tokens. */
    ASK_MAX_TOKENS: wholeNumberVar(16, 32_768).default(512),
    /** The deadline of one /ask or /ask/stream request, from its arrival: retrieval, queue wait and answer (then 504). */
    ASK_TIMEOUT_MS: millisecondsVar(120_000),
    /** How long one Chroma call may take before it counts as Chroma unavailable (503). */
    CHROMA_TIMEOUT_MS: millisecondsVar(5_000),
    /** Questions of one /ask/batch embedded and searched at a time. */
    ASK_BATCH_CONCURRENCY: wholeNumberVar(1, 256).default(8),
    /** How long a /ask/batch question may wait and run as bulk work; past it that answer fails with a timeout. */
    ASK_BATCH_TIMEOUT_MS: millisecondsVar(600_000),
    /** A /ask/batch with more questions than this runs as a background job (202 and a job id to poll). */
    ASK_BATCH_JOB_MIN_QUESTIONS: wholeNumberVar(0, 10_000).default(10),
    /** How long a background batch's record and answers are kept after its last change, in seconds. */
    ASK_BATCH_RETENTION_SECONDS: wholeNumberVar(60, 2_592_000).default(86_400),
    /** Most sub-queries the agentic ask plans (and retrievals it runs). */
    AGENTIC_MAX_STEPS: wholeNumberVar(1, 10).default(4),
    /** The agentic ask's whole time budget: planning, retrievals and the answer. */
    AGENTIC_TIMEOUT_MS: millisecondsVar(180_000),
    /** A criterion failed by no more than this share of its limit is a near miss (0-0.5). */
    ELIGIBILITY_NEAR_MISS_SHARE: z.coerce.number().min(0).max(0.5).default(0.1),
    /** IVA providers' usual conditions (guidelines, not law): unsecured debt in GBP, creditors, GBP a month. */
    IVA_MIN_UNSECURED_DEBT: wholeNumberVar(0, 1_000_000).default(6000),
    IVA_MIN_CREDITORS: wholeNumberVar(0, 100).default(2),
    IVA_MIN_MONTHLY_CONTRIBUTION: wholeNumberVar(0, 100_000).default(100),
    /** Longest eligibility explanation, in tokens. */
    ELIGIBILITY_MAX_TOKENS: wholeNumberVar(16, 32_768).default(512),
    /** How long the explanation may wait and run; past it the decision is returned without one. */
    ELIGIBILITY_TIMEOUT_MS: millisecondsVar(60_000),
    /** The deadline of one /eligibility or /eligibility/stream request from its arrival (then 504). */
    ELIGIBILITY_REQUEST_TIMEOUT_MS: millisecondsVar(90_000),
  })
  .refine((env) => env.CHUNK_OVERLAP < env.CHUNK_SIZE, {
    error: 'expected CHUNK_OVERLAP below CHUNK_SIZE',
    path: ['CHUNK_OVERLAP'],
  })
  // Otherwise a client's id could name the manuals' collection, and their documents would answer everyone.
  .refine((env) => !env.CHROMA_COLLECTION.startsWith(env.CLIENT_COLLECTION_PREFIX), {
    error: 'expected a CLIENT_COLLECTION_PREFIX that CHROMA_COLLECTION does not start with',
    path: ['CLIENT_COLLECTION_PREFIX'],
  });

export type RagServiceEnv = z.output<typeof ragServiceEnvSchema>;

/** The ConfigModule validate hook: one error listing every bad variable. */
export function validateEnv(env: Record<string, unknown>): RagServiceEnv {
  return parseEnv(SERVICE_NAME, ragServiceEnvSchema, env);
}
