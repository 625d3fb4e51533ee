import type { LlmClient } from '@rma/llm-provider';
import { LlmRateLimitError, LlmTimeoutError, LlmUnavailableError } from '@rma/llm-provider';
import { Job, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { encodeFailure, failureOfRun } from './generation-failure.codec';
import { CANCELLED_KEY_PREFIX } from './generation-queue.constants';
import { GenerationError } from './generation.errors';
import type { WorkerGovernor } from './generation.governor';
import { GenerationJob, GenerationResult, generationJobSchema, generationResultSchema } from './generation.schemas';
import type { QueueMetrics } from './queue-metrics';
import type { RunOutcome, RunOutcomes } from './run-outcome';
import { TokenStreamWriter } from './token-stream';

export interface GenerationProcessorDeps {
  llm: LlmClient;
  /** A command connection (not blocking, not subscribed). */
  redis: Redis;
  governor: WorkerGovernor;
  metrics: QueueMetrics;
  /** Where each run's outcome is written before BullMQ is told (see RunOutcomes). */
  outcomes: RunOutcomes;
}

/**
 * A worker's run of one generation job: takes a bulk slot, calls the LLM, streams tokens when asked,
 * and turns failures into a retry or a final `GenerationError`; `abort` stops a job this process runs.
 */
export class GenerationProcessor {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly deps: GenerationProcessorDeps) {}

  /** Aborts the LLM call of a job running in this process (a cancel broadcast); no-op elsewhere. */
  abort(jobId: string): void {
    this.running.get(jobId)?.abort();
  }

  /** The handler BullMQ's Worker calls for each job. */
  async run(job: Job, token?: string): Promise<GenerationResult> {
    // A run again after a worker died: the run it replaces may have ended already.
    const recorded = await this.deps.outcomes.read(job);
    if (recorded) return this.replay(job, recorded);
    const data = generationJobSchema.parse(job.data);
    const slot = data.workClass === 'bulk' ? await this.deps.governor.takeBulkSlot(job, token) : undefined;
    try {
      return await this.runTaken(job, data);
    } finally {
      await slot?.release();
    }
  }

  /**
   * For the Worker's `failed` event: a job that failed for good without this processor's run failing it
   * (BullMQ fails a job that stalled too often before calling the processor) loses its messages too.
   */
  async redactFailed(job: Job | undefined): Promise<void> {
    if (!job || (job.data as { redacted?: boolean }).redacted) return;
    const parsed = generationJobSchema.safeParse(job.data);
    if (!parsed.success || (await job.getState().catch(() => undefined)) !== 'failed') return;
    await this.redact(job, parsed.data);
  }

  /** A failed job is kept a day for its error and ids; its messages (advisers' case notes) go at once. */
  async redact(job: Job, data: Pick<GenerationJob, 'workClass' | 'stream' | 'enqueuedAt'>): Promise<void> {
    await job
      .updateData({ redacted: true, workClass: data.workClass, stream: data.stream, enqueuedAt: data.enqueuedAt })
      .catch(() => undefined);
  }

  /**
   * Ends a job with the outcome an earlier run recorded, without calling the LLM or writing to its stream
   * (its caller had the end from that run).
   */
  private async replay(job: Job, outcome: RunOutcome): Promise<GenerationResult> {
    const workClass = (job.data as Partial<GenerationJob>).workClass ?? 'interactive';
    this.deps.metrics.jobs.inc({ class: workClass, outcome: outcome.ok ? 'completed' : 'failed' });
    if (outcome.ok) return outcome.result;
    const parsed = generationJobSchema.safeParse(job.data);
    if (parsed.success) await this.redact(job, parsed.data); // killed before it redacted the job
    throw new UnrecoverableError(outcome.failure);
  }

  private async runTaken(job: Job, data: GenerationJob): Promise<GenerationResult> {
    const { redis, metrics, llm, governor } = this.deps;
    const jobId = job.id as string;
    const started = Date.now();
    const labels = { class: data.workClass };
    // Runs of this job so far: a job runs again only after its worker died mid-job (stalled).
    const run = job.attemptsMade + job.stalledCounter + 1;
    if (run > 1) metrics.retries.inc(labels);
    metrics.waitSeconds.observe(labels, (started - (job.timestamp ?? data.enqueuedAt)) / 1000);
    if (await redis.exists(`${CANCELLED_KEY_PREFIX}${jobId}`)) {
      await this.redact(job, data);
      throw new UnrecoverableError(
        encodeFailure(new GenerationError('cancelled', 'cancelled before it started', { jobId })),
      );
    }
    const controller = new AbortController();
    this.running.set(jobId, controller);
    const writer = data.stream ? new TokenStreamWriter(redis, jobId, run) : undefined;
    const call = { signal: controller.signal, role: data.request.role };
    let firstTokenMs: number | undefined;
    try {
      let result: GenerationResult;
      if (data.stream && writer) {
        let text = '';
        for await (const event of llm.stream(data.request, call)) {
          if (event.type === 'token') {
            firstTokenMs ??= Date.now() - started;
            text += event.text;
            await writer.write({ type: 'token', text: event.text });
          } else {
            result = {
              text,
              finishReason: event.finishReason,
              usage: event.usage,
              backend: event.backend,
              timings: { queueMs: started - data.enqueuedAt, runMs: Date.now() - started, firstTokenMs },
              attempts: run,
              ...(event.value !== undefined ? { value: event.value } : {}),
            };
          }
        }
        result ??= {
          text,
          finishReason: 'stop',
          usage: { promptTokens: 0, completionTokens: 0 },
          backend: { kind: 'unknown', url: '', fallback: false },
          timings: { queueMs: started - data.enqueuedAt, runMs: Date.now() - started, firstTokenMs },
          attempts: run,
        };
      } else {
        const format = data.request.format;
        const answer = format
          ? await llm.structured(data.request, z.fromJSONSchema(format.schema), call)
          : await llm.chat(data.request, call);
        result = {
          text: answer.text,
          finishReason: answer.finishReason,
          usage: answer.usage,
          backend: answer.backend,
          timings: { queueMs: started - data.enqueuedAt, runMs: Date.now() - started },
          attempts: run,
          ...('value' in answer ? { value: answer.value } : {}),
        };
      }
      const checked = generationResultSchema.parse(result);
      // Recorded before anything else may take time: a worker killed after this is not run again.
      await this.deps.outcomes.record(job, { ok: true, result: checked }, writer);
      // A sample the controller misses is harmless; failing the recorded run for it is not.
      if (firstTokenMs !== undefined) await governor.reportTtft(firstTokenMs).catch(() => undefined);
      metrics.runSeconds.observe(labels, (Date.now() - started) / 1000);
      metrics.jobs.inc({ ...labels, outcome: 'completed' });
      return checked;
    } catch (raw) {
      // Final: the LLM client already retried (attempts, backoff, fallback); running the job again
      // would multiply its retries under load. The caller gets the LLM error's own retry verdict.
      const failure = failureOfRun(raw, { jobId, cancelled: controller.signal.aborted });
      const encoded = encodeFailure(failure);
      // A failure is final too: a run again after its worker died fails with it, not with a second call.
      await this.deps.outcomes.record(job, { ok: false, failure: encoded }, writer);
      // The engine saying it is full, or not answering in time, is overload: the limit shrinks.
      if (
        !controller.signal.aborted &&
        (raw instanceof LlmRateLimitError ||
          raw instanceof LlmTimeoutError ||
          (raw instanceof LlmUnavailableError && raw.status === 503))
      )
        await governor.reportOverload();
      await this.redact(job, data);
      metrics.jobs.inc({ ...labels, outcome: failure.code === 'cancelled' ? 'cancelled' : 'failed' });
      throw new UnrecoverableError(encoded);
    } finally {
      this.running.delete(jobId);
    }
  }
}
