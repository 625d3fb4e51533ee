// The only code that imports bullmq: generation jobs from every service.

/** Producer (generate, stream, generateMany, cancel) and workers, in one object per process. */
export { GenerationQueue } from './lib/generation-queue';
/** A zod schema as a job's JSON-schema `format`, and a structured result parsed back by that schema. */
export { formatFor, parseStructured } from './lib/structured-output';
/** The queue's options, a call's options, a stream's chunks and a batch's per-item outcome. */
export type {
  BatchItem,
  GenerateManyOptions,
  GenerateOptions,
  GenerationQueueOptions,
  StreamChunk,
} from './lib/generation-queue.types';
/** The limit on generations in flight: fixed, or adaptive from the engine's load. */
export { decideLimit, TARGET_ENGINE_WAITING } from './lib/concurrency-controller';
export type { ConcurrencyMode, Decision, Observation } from './lib/concurrency-controller';
/** Classes of work and the persisted queue name. */
export { CLASS_PRIORITY, GENERATION_QUEUE_NAME } from './lib/generation-queue.constants';
export type { WorkClass } from './lib/generation-queue.constants';
/** A generation that failed visibly, with the LLM error's kind and retry verdict. */
export { GenerationError } from './lib/generation.errors';
export type { GenerationErrorCode } from './lib/generation.errors';
/** The HTTP status and typed body a service answers for a failed generation (502/503/504). */
export { deadlineTimeout, generationFailureResponse } from './lib/generation.errors';
export type { GenerationFailureResponse } from './lib/generation.errors';
/** Requests and results, validated at both ends. */
export { generationRequestSchema, generationResultSchema } from './lib/generation.schemas';
export type { GenerationRequest, GenerationResult } from './lib/generation.schemas';
/** The Nest module. */
export { GenerationQueueModule } from './lib/nest/generation-queue.module';
export type { GenerationQueueModuleAsyncOptions } from './lib/nest/generation-queue.module';
/** The GENERATION_* variables an app's config folder validates, and the options built from them. */
export { generationEnvShape, generationQueueOptionsFromConfig } from './lib/generation-queue.env';
export type { GenerationEnv } from './lib/generation-queue.env';
/** Work that fans out into parts run in parallel by every process's workers, then comes together once. */
export { FanOutQueue } from './lib/flow/fan-out-queue';
export type { FanOutContext, FanOutQueueOptions, PartOutcome } from './lib/flow/fan-out-queue';
