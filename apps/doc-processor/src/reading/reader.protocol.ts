import { z } from 'zod';

// Messages between ReaderPool (parent) and reader.child.ts over the fork IPC channel. Both ends parse
// with these schemas: a child that answers nonsense is a crash, not a result.

/** Caps that keep one hostile or huge file from taking a reader down. */
export const readerLimitsSchema = z.object({
  maxPages: z.number().int().positive(),
  maxPixelsPerPage: z.number().int().positive(),
  maxTotalPixels: z.number().int().positive(),
  maxDocxUncompressedBytes: z.number().int().positive(),
  maxCompressionRatio: z.number().positive(),
});

/** The file kinds doc-processor reads; decided from magic bytes, never from the name. */
export const FILE_KINDS = ['pdf', 'png', 'jpeg', 'tiff', 'webp', 'docx'] as const;
/** File kinds that are read page by page as pictures or PDF pages. */
export const PAGED_KINDS = ['pdf', 'png', 'jpeg', 'tiff', 'webp'] as const;

/** Why a file could not be read; the first group is the client's file, the rest is the reader. */
export const READ_ERROR_CODES = [
  'empty_file',
  'unsupported_type',
  'corrupt_file',
  'needs_password',
  'too_many_pages',
  'too_many_pixels',
  'archive_too_large',
  'page_out_of_range',
  'read_failed',
  'timeout',
  'out_of_memory',
  'reader_crashed',
  'pool_closed',
] as const;

/** One of READ_ERROR_CODES. */
export type ReadErrorCode = (typeof READ_ERROR_CODES)[number];

/** Ask the child what a file is and how many pages it has. */
export const inspectRequestSchema = z.object({
  type: z.literal('inspect'),
  path: z.string().min(1),
  limits: readerLimitsSchema,
});

/** Ask the child for one page as markdown. */
export const readPageRequestSchema = z.object({
  type: z.literal('readPage'),
  path: z.string().min(1),
  kind: z.enum(PAGED_KINDS),
  pageIndex: z.number().int().nonnegative(),
  dpi: z.number().int().min(50).max(600),
  /** `auto` trusts a good PDF text layer; `ocr` always renders and recognises. */
  mode: z.enum(['auto', 'ocr']),
  /** Where to write the normalised page PNG (for a vision model); only pages read by OCR have one. */
  imageOut: z.string().min(1).optional(),
  limits: readerLimitsSchema,
});

/** Ask the child for a DOCX file as markdown. */
export const readDocxRequestSchema = z.object({
  type: z.literal('readDocx'),
  path: z.string().min(1),
  limits: readerLimitsSchema,
});

/** Any request body, before the pool adds its id. */
export const readerRequestBodySchema = z.discriminatedUnion('type', [
  inspectRequestSchema,
  readPageRequestSchema,
  readDocxRequestSchema,
]);

/** A request as sent over IPC. */
export const readerRequestSchema = z.intersection(z.object({ id: z.number().int() }), readerRequestBodySchema);

/** What a file is. */
export const fileInspectionSchema = z.object({
  kind: z.enum(FILE_KINDS),
  mime: z.string(),
  /** Pages to read; a DOCX is read whole, so 1. */
  pages: z.number().int().positive(),
  sizeBytes: z.number().int().nonnegative(),
});

/** The text-layer judgement, as page-quality returns it; kept loose so its metrics can grow. */
export const pageQualitySchema = z.object({
  useTextLayer: z.boolean(),
  reason: z.string(),
  metrics: z.record(z.string(), z.unknown()),
});

/** One page read as markdown. */
export const pageReadingSchema = z.object({
  pageIndex: z.number().int().nonnegative(),
  method: z.enum(['text-layer', 'ocr']),
  markdown: z.string(),
  /** 0..1: 1 for a trusted text layer, mean word confidence for OCR. */
  confidence: z.number().min(0).max(1),
  quality: pageQualitySchema.optional(),
  imagePath: z.string().optional(),
  widthPx: z.number().int().positive().optional(),
  heightPx: z.number().int().positive().optional(),
  words: z.number().int().nonnegative(),
  /** OCR words under 60% confidence: where a vision model or a person should look again. */
  lowConfidenceWords: z.number().int().nonnegative(),
  ocrMs: z.number().nonnegative().optional(),
  ms: z.number().nonnegative(),
  warnings: z.array(z.string()),
});

/** A DOCX read as markdown. */
export const docxReadingSchema = z.object({
  markdown: z.string(),
  ms: z.number().nonnegative(),
  warnings: z.array(z.string()),
});

/** The child's error answer; `message` never quotes document text. */
export const readerErrorBodySchema = z.object({ code: z.enum(READ_ERROR_CODES), message: z.string() });

/** A response as sent over IPC: the result is parsed by the pool against the request's schema. */
export const readerResponseSchema = z.union([
  z.object({ id: z.number().int(), result: z.unknown() }),
  z.object({ id: z.number().int(), error: readerErrorBodySchema }),
]);

/** Sent once by a child when it is listening, so start-up time is not charged to a request. */
export const readerReadySchema = z.object({ type: z.literal('ready') });

/** See readerLimitsSchema. */
export type ReaderLimits = z.output<typeof readerLimitsSchema>;
/** One of FILE_KINDS. */
export type FileKind = (typeof FILE_KINDS)[number];
/** One of PAGED_KINDS. */
export type PagedKind = (typeof PAGED_KINDS)[number];
/** See inspectRequestSchema. */
export type InspectRequest = z.output<typeof inspectRequestSchema>;
/** See readPageRequestSchema. */
export type ReadPageRequest = z.output<typeof readPageRequestSchema>;
/** See readDocxRequestSchema. */
export type ReadDocxRequest = z.output<typeof readDocxRequestSchema>;
/** See readerRequestBodySchema. */
export type ReaderRequestBody = z.output<typeof readerRequestBodySchema>;
/** See readerRequestSchema. */
export type ReaderRequest = z.output<typeof readerRequestSchema>;
/** See readerResponseSchema. */
export type ReaderResponse = z.output<typeof readerResponseSchema>;
/** See fileInspectionSchema. */
export type FileInspection = z.output<typeof fileInspectionSchema>;
/** See pageReadingSchema. */
export type PageReading = z.output<typeof pageReadingSchema>;
/** See docxReadingSchema. */
export type DocxReading = z.output<typeof docxReadingSchema>;
