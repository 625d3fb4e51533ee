import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { GenerationError, GenerationQueue, GenerationResult, generationFailureResponse } from '@rma/generation-queue';
import type { GenerationFailureResponse } from '@rma/generation-queue';
import { LlmClient } from '@rma/llm-provider';
import { randomUUID } from 'node:crypto';
import type { RequestDeadline } from '@rma/service-core';
import { mapWithConcurrency } from '../common/map-with-concurrency';
import { RagError } from '../common/rag.errors';
import type { RagServiceEnv } from '../config/env.schema';
import { answerRequest, planRequest, planSchema, synthesisRequest, synthesisSchema } from './ask-prompts';
import { RetrievalScope, RetrievalService, RetrievedChunk } from './retrieval.service';

export interface Source {
  documentId: string;
  title: string;
  source: string;
  chunkIndex: number;
  chunk: string;
  /** Cosine similarity of the chunk to the question (or to the sub-query that found it). */
  score: number;
  /** The manuals, or the documents of the client the question was asked for. */
  collection: 'manuals' | 'client';
  /** A client document's type, as doc-processor classified it. */
  documentType?: string;
}

export interface AskInput extends RetrievalScope {
  question: string;
}

export interface AskResult {
  answer: string;
  sources: Source[];
  usage: { promptTokens: number; completionTokens: number };
  backend: GenerationResult['backend'];
  /**
   * Embedding the question, the Chroma query, the generation as the caller saw it (queue wait, LLM run,
   * result through Redis), its wait in the queue and its LLM run alone, and the whole request.
   */
  timings: { embedMs: number; retrieveMs: number; generateMs: number; queueMs: number; llmMs: number; totalMs: number };
}

export type AskStreamEvent =
  | { event: 'token'; data: { text: string } }
  | { event: 'sources'; data: { sources: Source[] } }
  | { event: 'done'; data: Pick<AskResult, 'usage' | 'backend' | 'timings'> };

export type AskBatchItem =
  ({ index: number; ok: true } & AskResult) | { index: number; ok: false; error: GenerationFailureResponse['body'] };

export interface AgenticStep {
  kind: 'plan' | 'retrieve' | 'answer';
  detail: string;
  query?: string;
  found?: number;
}

export interface AgenticResult extends Omit<AskResult, 'timings'> {
  confidence: number;
  steps: AgenticStep[];
  timings: { planMs: number; retrieveMs: number; answerMs: number; totalMs: number };
}

/**
 * Answers advisers' questions from the manuals (and, given a clientId, that client's documents): embed the
 * question, retrieve the nearest chunks (cosine), generate through the queue (interactive for one question,
 * bulk for a batch).
 */
@Injectable()
export class AskService {
  private readonly logger = new Logger(AskService.name);
  private readonly settings: {
    maxChars: number;
    maxBatch: number;
    maxTokens: number;
    batchConcurrency: number;
    batchTimeoutMs: number;
    agenticSteps: number;
  };

  constructor(
    private readonly retrieval: RetrievalService,
    private readonly llm: LlmClient,
    private readonly queue: GenerationQueue,
    config: ConfigService<RagServiceEnv, true>,
  ) {
    this.settings = {
      maxChars: config.get('QUESTION_MAX_CHARS'),
      maxBatch: config.get('ASK_BATCH_MAX_QUESTIONS'),
      maxTokens: config.get('ASK_MAX_TOKENS'),
      batchConcurrency: config.get('ASK_BATCH_CONCURRENCY'),
      batchTimeoutMs: config.get('ASK_BATCH_TIMEOUT_MS'),
      agenticSteps: config.get('AGENTIC_MAX_STEPS'),
    };
  }

  /**
   * One answer within the request's deadline (ASK_TIMEOUT_MS, made at the HTTP edge), every step given
   * its signal (the deadline or the client going away) and the time left.
   */
  async ask(input: AskInput, deadline: RequestDeadline): Promise<AskResult> {
    const { signal } = deadline;
    const started = performance.now();
    const { chunks, embedMs, retrieveMs } = await this.retrieve(input, signal);
    const generated = performance.now();
    const result = await this.queue.generate(answerRequest(input.question, chunks, this.settings.maxTokens), {
      workClass: 'interactive',
      timeoutMs: deadline.remainingMs(),
      signal,
    });
    const answer = this.resultOf(result, chunks, {
      embedMs,
      retrieveMs,
      generateMs: performance.now() - generated,
      started,
    });
    this.logger.log(
      `Question answered questionChars=${input.question.length} sources=${chunks.length} backend=${result.backend.kind} totalMs=${answer.timings.totalMs}`,
    );
    return answer;
  }

  /**
   * Tokens as they are generated, then the sources, then usage and timings, within the request's deadline
   * (the caller runs the events under it); its signal (the client going away too) cancels the generation.
   */
  async *stream(input: AskInput, deadline: RequestDeadline): AsyncGenerator<AskStreamEvent> {
    const { signal } = deadline;
    const started = performance.now();
    const { chunks, embedMs, retrieveMs } = await this.retrieve(input, signal);
    const generated = performance.now();
    const request = answerRequest(input.question, chunks, this.settings.maxTokens);
    for await (const chunk of this.queue.stream(request, {
      workClass: 'interactive',
      timeoutMs: deadline.remainingMs(),
      signal,
    })) {
      if (chunk.type === 'token') {
        yield { event: 'token', data: { text: chunk.text } };
        continue;
      }
      const result = this.resultOf(chunk.result, chunks, {
        embedMs,
        retrieveMs,
        generateMs: performance.now() - generated,
        started,
      });
      yield { event: 'sources', data: { sources: result.sources } };
      yield { event: 'done', data: { usage: result.usage, backend: result.backend, timings: result.timings } };
      return;
    }
    throw new GenerationError('interrupted', 'the answer stream ended without a result');
  }

  /** Refuses a batch that cannot run at all (too many questions, a bad scope) before any work. */
  checkBatch(input: RetrievalScope & { questions: string[] }): void {
    if (input.questions.length > this.settings.maxBatch) {
      throw new RagError(
        'batch_too_large',
        `a batch holds at most ${this.settings.maxBatch} questions (ASK_BATCH_MAX_QUESTIONS); got ${input.questions.length}: split it`,
      );
    }
    this.retrieval.checkScope(input);
  }

  /**
   * Many questions as bulk work, answers in the questions' order; one bad or failed question fails alone.
   * `onItem` hears each answer as it is ready (a background batch records it).
   */
  async askMany(
    input: RetrievalScope & { questions: string[] },
    options: { signal?: AbortSignal; onItem?: (item: AskBatchItem) => void } = {},
  ): Promise<AskBatchItem[]> {
    this.checkBatch(input);
    const { signal } = options;
    const onItem = options.onItem ?? (() => undefined);
    const batchId = randomUUID();
    const started = performance.now();
    const results: AskBatchItem[] = new Array(input.questions.length);
    const valid: number[] = [];
    input.questions.forEach((question, index) => {
      const problem = this.questionProblem(question);
      if (problem) {
        results[index] = {
          index,
          ok: false,
          error: { statusCode: 400, error: 'Bad Request', message: `questions.${index}: ${problem}`, retryable: false },
        };
        onItem(results[index]);
      } else valid.push(index);
    });
    if (valid.length > 0) {
      const embedStarted = performance.now();
      const { vectors } = await this.llm.embed(
        valid.map((index) => input.questions[index]),
        { signal, use: 'bulk' },
      );
      const embedMs = (performance.now() - embedStarted) / valid.length;
      const retrieveStarted = performance.now();
      const found = await mapWithConcurrency(vectors, this.settings.batchConcurrency, (vector) =>
        this.retrieval.search(vector, input, { signal }),
      );
      const retrieveMs = (performance.now() - retrieveStarted) / valid.length;
      const generated = performance.now();
      await this.queue.generateMany(
        valid.map((index, position) => answerRequest(input.questions[index], found[position], this.settings.maxTokens)),
        {
          workClass: 'bulk',
          signal,
          timeoutMs: this.settings.batchTimeoutMs,
          onItem: (position, answer) => {
            const index = valid[position];
            results[index] = answer.ok
              ? {
                  index,
                  ok: true,
                  ...this.resultOf(answer.result, found[position], {
                    embedMs,
                    retrieveMs,
                    generateMs: performance.now() - generated,
                    started,
                  }),
                }
              : { index, ok: false, error: generationFailureResponse(answer.error).body };
            onItem(results[index]);
          },
        },
      );
    }
    this.logger.log(
      `Question batch answered batchId=${batchId} questions=${input.questions.length} failed=${results.filter((item) => !item.ok).length} totalMs=${Math.round(performance.now() - started)}`,
    );
    return results;
  }

  /**
   * Plans sub-queries (structured output), retrieves for each, and writes one answer with a confidence
   * from the deduplicated sources. At most AGENTIC_MAX_STEPS retrievals, within AGENTIC_TIMEOUT_MS.
   */
  async askAgentic(input: AskInput, deadline: RequestDeadline): Promise<AgenticResult> {
    this.checkQuestion(input.question);
    this.retrieval.checkScope(input);
    const bounded = deadline.signal;
    const started = performance.now();
    const options = () => ({ workClass: 'interactive' as const, signal: bounded, timeoutMs: deadline.remainingMs() });
    const plan = await this.queue.generateStructured(
      planRequest(input.question, this.settings.agenticSteps),
      planSchema(this.settings.agenticSteps),
      { ...options(), name: 'search_plan' },
    );
    const planMs = performance.now() - started;
    const queries = [...new Set(plan.value.subQueries.map((query) => query.trim()))].slice(
      0,
      this.settings.agenticSteps,
    );
    const { vectors } = await this.llm.embed(queries, { signal: bounded });
    const found = await Promise.all(vectors.map((vector) => this.retrieval.search(vector, input, { signal: bounded })));
    const retrieveMs = performance.now() - started - planMs;
    const chunks = dedupe(found.flat());
    const synthesis = await this.queue.generateStructured(
      synthesisRequest(input.question, plan.value.reasoning, chunks),
      synthesisSchema,
      { ...options(), name: 'answer' },
    );
    const answerMs = performance.now() - started - planMs - retrieveMs;
    const steps: AgenticStep[] = [
      { kind: 'plan', detail: plan.value.reasoning },
      ...queries.map((query, index): AgenticStep => ({
        kind: 'retrieve',
        detail: `found ${found[index].length} chunks, best score ${round(found[index][0]?.score ?? 0)}`,
        query,
        found: found[index].length,
      })),
      { kind: 'answer', detail: `answered from ${chunks.length} distinct chunks` },
    ];
    this.logger.log(
      `Agentic question answered steps=${steps.length} sources=${chunks.length} totalMs=${Math.round(performance.now() - started)}`,
    );
    return {
      answer: synthesis.value.answer,
      confidence: synthesis.value.confidence,
      steps,
      sources: chunks.map(sourceOf),
      usage: {
        promptTokens: plan.usage.promptTokens + synthesis.usage.promptTokens,
        completionTokens: plan.usage.completionTokens + synthesis.usage.completionTokens,
      },
      backend: synthesis.backend,
      timings: {
        planMs: round(planMs),
        retrieveMs: round(retrieveMs),
        answerMs: round(answerMs),
        totalMs: round(performance.now() - started),
      },
    };
  }

  private async retrieve(
    input: AskInput,
    signal?: AbortSignal,
  ): Promise<{ chunks: RetrievedChunk[]; embedMs: number; retrieveMs: number }> {
    this.checkQuestion(input.question);
    this.retrieval.checkScope(input);
    const started = performance.now();
    const { vectors } = await this.llm.embed([input.question], { signal });
    const embedded = performance.now();
    const chunks = await this.retrieval.search(vectors[0], input, { signal });
    return { chunks, embedMs: embedded - started, retrieveMs: performance.now() - embedded };
  }

  private resultOf(
    result: GenerationResult,
    chunks: RetrievedChunk[],
    timings: { embedMs: number; retrieveMs: number; generateMs: number; started: number },
  ): AskResult {
    return {
      answer: result.text,
      sources: chunks.map(sourceOf),
      usage: result.usage,
      backend: result.backend,
      timings: {
        embedMs: round(timings.embedMs),
        retrieveMs: round(timings.retrieveMs),
        generateMs: round(timings.generateMs),
        queueMs: result.timings.queueMs,
        llmMs: result.timings.runMs,
        totalMs: round(performance.now() - timings.started),
      },
    };
  }

  private checkQuestion(question: string): void {
    const problem = this.questionProblem(question);
    if (problem) throw new RagError(question.trim() ? 'question_too_long' : 'empty_question', problem);
  }

  private questionProblem(question: string): string | undefined {
    if (!question.trim()) return 'the question is empty: ask something about the manuals';
    if (question.length > this.settings.maxChars) {
      return `the question has ${question.length} characters; at most ${this.settings.maxChars} (QUESTION_MAX_CHARS): shorten it`;
    }
    return undefined;
  }
}

function sourceOf(chunk: RetrievedChunk): Source {
  return {
    documentId: chunk.metadata.documentId,
    title: chunk.metadata.title,
    source: chunk.metadata.source,
    chunkIndex: chunk.metadata.chunkIndex,
    chunk: chunk.text,
    score: round(chunk.score, 4),
    collection: chunk.collection,
    ...(chunk.collection === 'client' ? { documentType: String(chunk.metadata['documentType']) } : {}),
  };
}

/** One entry per chunk, its best score kept, best first. */
function dedupe(chunks: RetrievedChunk[]): RetrievedChunk[] {
  const best = new Map<string, RetrievedChunk>();
  for (const chunk of chunks) {
    const key = `${chunk.collection}/${chunk.id}`;
    const seen = best.get(key);
    if (!seen || chunk.score > seen.score) best.set(key, chunk);
  }
  return [...best.values()].sort((a, b) => b.score - a.score);
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
