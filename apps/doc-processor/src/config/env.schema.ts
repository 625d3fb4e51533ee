import { millisecondsVar, parseEnv, portVar, wholeNumberVar } from '@rma/service-core';
import { platformEnvShape } from '@rma/service-platform';
import { z } from 'zod';

export const SERVICE_NAME = 'doc-processor';

const onOff = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'], { error: 'expected true or false' })
    .default(fallback)
    .transform((value) => value === 'true');

export const docProcessorEnvSchema = z.object({
  ...platformEnvShape,
  PORT: portVar(8101),
  /** Uploaded files and page images, one folder per document; removed with the document or on expiry. */
  DOCUMENT_STORAGE_DIR: z.string().min(1).default('data/documents'),
  /** Stored files, results and records expire after this many hours (clients' personal data). */
  DOCUMENT_RETENTION_HOURS: wholeNumberVar(1, 24 * 365).default(72),
  /** Largest upload accepted (413 above it). */
  DOCUMENT_UPLOAD_MAX_BYTES: wholeNumberVar(1024, 1024 * 1024 * 1024).default(25 * 1024 * 1024),
  DOCUMENT_MAX_PAGES: wholeNumberVar(1, 10_000).default(100),
  /** Pixels of one page image, as uploaded or as rendered for OCR. */
  PAGE_MAX_PIXELS: wholeNumberVar(100_000, 500_000_000).default(40_000_000),
  /** Pixels of all a document's page images together. */
  DOCUMENT_MAX_PIXELS: wholeNumberVar(100_000, 10_000_000_000).default(1_000_000_000),
  /** A DOCX whose parts inflate beyond this, or by more than the ratio, is refused (a zip bomb). */
  DOCX_MAX_UNCOMPRESSED_BYTES: wholeNumberVar(1024, 4 * 1024 * 1024 * 1024).default(100 * 1024 * 1024),
  DOCX_MAX_COMPRESSION_RATIO: wholeNumberVar(2, 100_000).default(200),
  /** Resolution at which a page without a usable text layer is rendered for OCR (216, as docling renders). */
  OCR_DPI: wholeNumberVar(72, 600).default(216),
  /** Reader child processes (PDF parsing, rendering, OCR): about one per core. */
  READER_POOL_SIZE: wholeNumberVar(1, 64).default(2),
  /** Heap limit of each reader child, in MiB; a child past it dies and its page fails, not the service. */
  READER_MEMORY_MB: wholeNumberVar(64, 16_384).default(768),
  /** A reader child is replaced after this many pages (the OCR engine's WASM heap never shrinks). */
  READER_PAGES_PER_CHILD: wholeNumberVar(1, 100_000).default(50),
  /** Type, page count and limits are checked at upload within this time. */
  INSPECT_TIMEOUT_MS: millisecondsVar(20_000),
  /** One page's reading (render, OCR); its child is killed past it. */
  PAGE_TIMEOUT_MS: millisecondsVar(60_000),
  /** A whole document's time: pages not read by then fail with that reason. */
  DOCUMENT_TIMEOUT_MS: millisecondsVar(600_000),
  /** POST /process answers with the result within this time, else 202 and the document id. */
  PROCESS_SYNC_TIMEOUT_MS: millisecondsVar(60_000),
  /** Pages read by OCR also go to the vision model (LLM_VISION_*); its answer is kept only when it passes the checks. */
  DOCUMENT_VISION: onOff('true'),
  VISION_MAX_TOKENS: wholeNumberVar(64, 16_384).default(1024),
  /** The chat model classifies and fills facts the parsers missed; the rules always run and decide without it. */
  DOCUMENT_LLM: onOff('true'),
  /** How long the chat model's classification and extraction may take before the rules' answer stands. */
  DOCUMENT_LLM_TIMEOUT_MS: millisecondsVar(60_000),
  /** Pages of one document read at once by this process's workers. */
  PAGE_WORKERS: wholeNumberVar(1, 256).default(8),
  /** Hand-off attempts to rag-service for a client's document (exponential backoff from 2 s). */
  HANDOFF_ATTEMPTS: wholeNumberVar(1, 50).default(10),
  HANDOFF_TIMEOUT_MS: millisecondsVar(30_000),
});

export type DocProcessorEnv = z.output<typeof docProcessorEnvSchema>;

/** The ConfigModule validate hook: one error listing every bad variable. */
export function validateEnv(env: Record<string, unknown>): DocProcessorEnv {
  return parseEnv(SERVICE_NAME, docProcessorEnvSchema, env);
}
