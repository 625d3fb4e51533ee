import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  GenerationError,
  GenerationQueue,
  GenerationResult,
  formatFor,
  generationFailureResponse,
  parseStructured,
} from '@rma/generation-queue';
import type { GenerationFailureResponse, GenerationRequest } from '@rma/generation-queue';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { boundUnknownProperties } from '@rma/service-core';
import type { RequestDeadline } from '@rma/service-core';
import { randomUUID } from 'node:crypto';
import type { NotesServiceEnv } from '../config/env.schema';
import { CreateLetterDto } from './dto/create-letter.dto';
import { FactWarning, NotesEvidence } from './fact-check';
import { LetterParties, factsRequest, letterRequest, rewriteRequest } from './letter-prompts';
import { isSectionKey, letterClosing, letterOpening, letterText, sectionOpening } from './letter-text';
import { CaseFacts, LetterSections, SectionKey, caseFactsSchema, letterSectionsSchema } from './letter.schemas';
import { LetterError } from './letters.errors';
import { readabilityOf } from './readability';
import { SectionStreamParser } from './section-stream';

export interface LetterResult {
  letter: { text: string; sections: LetterSections };
  facts: CaseFacts;
  readability: { fleschKincaidGrade: number; fleschReadingEase: number; targetGrade: number; rewritten: boolean };
  /** Amounts and dates that the notes do not contain: check them before sending the letter. */
  warnings: FactWarning[];
  usage: { promptTokens: number; completionTokens: number };
  backend: GenerationResult['backend'];
  timings: { factsMs: number; letterMs: number; rewriteMs?: number; totalMs: number };
}

export type LetterStreamEvent =
  | { event: 'stage'; data: { stage: 'facts' | 'letter' } }
  | { event: 'token'; data: { text: string } }
  | { event: 'letter'; data: LetterResult };

export type LetterBatchItem =
  ({ index: number; ok: true } & LetterResult) | { index: number; ok: false; error: GenerationFailureResponse['body'] };

export type LetterBatchStage = 'facts' | 'letter' | 'rewrite';
type Step = LetterBatchStage;
/** A rewrite gives up this long before the letter's deadline, so the first letter is still answered in time. */
const REWRITE_MARGIN_MS = 250;

const FORMATS = {
  facts: formatFor(caseFactsSchema, 'case_facts'),
  letter: formatFor(letterSectionsSchema, 'letter_sections'),
};

/**
 * Case notes into a letter in two generations through the queue (facts, then the letter written from
 * them), plus one rewrite when the letter reads above the target grade. Notes and letters are personal
 * data: logs carry ids, sizes and counts only.
 */
@Injectable()
export class LettersService {
  private readonly logger = new Logger(LettersService.name);
  private readonly maxNotesChars: number;
  private readonly maxBatchItems: number;
  private readonly targetGrade: number;
  private readonly rewrite: boolean;
  private readonly batchTimeoutMs: number;

  constructor(
    private readonly queue: GenerationQueue,
    config: ConfigService<NotesServiceEnv, true>,
  ) {
    this.maxNotesChars = config.get('NOTES_MAX_CHARS');
    this.maxBatchItems = config.get('LETTER_BATCH_MAX_ITEMS');
    this.targetGrade = config.get('LETTER_TARGET_GRADE');
    this.rewrite = config.get('LETTER_REWRITE') === 'true';
    this.batchTimeoutMs = config.get('LETTER_BATCH_TIMEOUT_MS');
  }

  /**
   * One letter, as interactive work (an adviser is waiting), within LETTER_TIMEOUT_MS of the call, every
   * model call included; `cancel` is the client going away.
   */
  async write(input: CreateLetterDto, deadline: RequestDeadline): Promise<LetterResult> {
    this.checkNotes(input.notes);
    const { signal } = deadline;
    const letterId = randomUUID();
    const started = performance.now();
    const options = () => ({ workClass: 'interactive' as const, timeoutMs: deadline.remainingMs(), signal });
    try {
      const facts = await this.queue.generateStructured(factsRequest(input.notes), caseFactsSchema, {
        ...options(),
        name: FORMATS.facts.name,
      });
      const factsMs = performance.now() - started;
      const letter = await this.queue.generateStructured(letterRequest(facts.value, input), letterSectionsSchema, {
        ...options(),
        name: FORMATS.letter.name,
      });
      const letterMs = performance.now() - started - factsMs;
      let rewrite: (GenerationResult & { value: LetterSections }) | undefined;
      const rewriting = this.rewriteFor(letter.value, input);
      if (rewriting) {
        // A failed rewrite leaves the letter as first written: only a cancelled request stops here. It
        // stops a moment before the deadline, so that the first letter is still answered in time.
        const rewriteOptions = { ...options(), timeoutMs: Math.max(1, deadline.remainingMs() - REWRITE_MARGIN_MS) };
        rewrite = await this.queue
          .generateStructured(rewriting, letterSectionsSchema, { ...rewriteOptions, name: FORMATS.letter.name })
          .catch((error: unknown) => {
            if (error instanceof GenerationError && error.code === 'cancelled') throw error;
            this.logger.warn(
              `Letter rewrite failed; keeping the first letter letterId=${letterId} ` +
                `code=${error instanceof GenerationError ? error.code : 'unknown'}`,
            );
            return undefined;
          });
      }
      const result = this.assemble(input, facts, letter, rewrite, {
        factsMs,
        letterMs,
        rewriteMs: rewrite ? performance.now() - started - factsMs - letterMs : undefined,
        totalMs: performance.now() - started,
      });
      this.logWritten(letterId, input, result);
      return result;
    } catch (error) {
      this.logFailed(letterId, error);
      throw error;
    }
  }

  /**
   * One letter as it is written: stage events, the letter's text in pieces (their concatenation is the
   * final `letter.text`), then the whole result. No rewrite: the client has already read the text.
   */
  async *stream(input: CreateLetterDto, deadline: RequestDeadline): AsyncGenerator<LetterStreamEvent> {
    this.checkNotes(input.notes);
    const { signal } = deadline;
    const letterId = randomUUID();
    const started = performance.now();
    try {
      yield { event: 'stage', data: { stage: 'facts' } };
      const facts = await this.queue.generateStructured(factsRequest(input.notes), caseFactsSchema, {
        workClass: 'interactive',
        timeoutMs: deadline.remainingMs(),
        signal,
        name: FORMATS.facts.name,
      });
      const factsMs = performance.now() - started;
      yield { event: 'stage', data: { stage: 'letter' } };
      const parser = new SectionStreamParser();
      const order: SectionKey[] = [];
      let end: GenerationResult | undefined;
      const request = { ...letterRequest(facts.value, input), format: FORMATS.letter };
      for await (const chunk of this.queue.stream(request, { timeoutMs: deadline.remainingMs(), signal })) {
        if (chunk.type === 'end') {
          end = chunk.result;
          break;
        }
        let text = '';
        for (const delta of parser.push(chunk.text)) {
          if (!isSectionKey(delta.key)) continue;
          if (delta.opened) {
            text += (order.length === 0 ? letterOpening(input) : '') + sectionOpening(delta.key, order.length);
            order.push(delta.key);
          }
          text += delta.text;
        }
        if (text) yield { event: 'token', data: { text } };
      }
      if (!end) throw new GenerationError('interrupted', 'the letter stream ended without a result');
      const parsed = parseStructured(letterSectionsSchema, end);
      // The final text keeps the order the reader saw the sections in.
      const sections = Object.fromEntries(
        [...order, ...Object.keys(parsed).filter((key) => !order.includes(key as SectionKey))].map((key) => [
          key,
          parsed[key as SectionKey],
        ]),
      ) as LetterSections;
      yield { event: 'token', data: { text: order.length === 0 ? letterText(sections, input) : letterClosing(input) } };
      const result = this.assemble(input, facts, { ...end, value: sections }, undefined, {
        factsMs,
        letterMs: performance.now() - started - factsMs,
        totalMs: performance.now() - started,
      });
      this.logWritten(letterId, input, result);
      yield { event: 'letter', data: result };
    } catch (error) {
      this.logFailed(letterId, error);
      throw error;
    }
  }

  /** Refuses a batch that cannot run at all (too many items) before any work. */
  checkBatch(items: unknown[]): void {
    if (items.length > this.maxBatchItems) {
      throw new LetterError(
        'batch_too_large',
        `a batch holds at most ${this.maxBatchItems} letters (LETTER_BATCH_MAX_ITEMS); got ${items.length}: split it`,
      );
    }
  }

  /**
   * Many letters as bulk work, results in order; a bad or failed item gets its own error. `onItem` hears
   * each result once it is final, `onStage` each step as it starts (a background batch records both).
   */
  async writeMany(
    items: Record<string, unknown>[],
    options: { signal?: AbortSignal; onItem?: (item: LetterBatchItem) => void; onStage?: (stage: Step) => void } = {},
  ): Promise<LetterBatchItem[]> {
    this.checkBatch(items);
    const { signal } = options;
    const onStage = options.onStage ?? (() => undefined);
    const batchId = randomUUID();
    const started = performance.now();
    const results: LetterBatchItem[] = new Array(items.length);
    const settle = (item: LetterBatchItem) => {
      results[item.index] = item;
      options.onItem?.(item);
    };
    const inputs = new Map<number, CreateLetterDto>();
    items.forEach((item, index) => {
      const problem = this.itemProblem(item);
      if (problem) settle({ index, ok: false, error: badRequest(`items.${index}: ${problem}`) });
      else inputs.set(index, plainToInstance(CreateLetterDto, item));
    });

    const facts = await this.step(
      'facts',
      inputs,
      (input) => factsRequest(input.notes),
      { results, signal, settle, onStage },
      (result) => parseStructured(caseFactsSchema, result),
    );
    const letters = await this.step(
      'letter',
      inputs,
      (input, index) => letterRequest(facts.get(index)?.value as CaseFacts, input),
      { results, signal, settle, onStage },
      (result) => parseStructured(letterSectionsSchema, result),
      (index) => facts.has(index),
    );
    const rewriting = new Map<number, GenerationRequest>();
    for (const [index, letter] of letters) {
      const request = this.rewriteFor(letter.value, inputs.get(index) as CreateLetterDto);
      if (request) rewriting.set(index, request);
    }
    const rewrites = await this.step(
      'rewrite',
      inputs,
      (_input, index) => rewriting.get(index) as GenerationRequest,
      { results, signal, settle, onStage },
      (result) => parseStructured(letterSectionsSchema, result),
      (index) => rewriting.has(index),
    );
    for (const [index, input] of inputs) {
      const letter = letters.get(index);
      const fact = facts.get(index);
      if (!letter || !fact || results[index]) continue;
      const result = this.assemble(input, fact, letter, rewrites.get(index), {
        factsMs: fact.timings.runMs,
        letterMs: letter.timings.runMs,
        rewriteMs: rewrites.get(index)?.timings.runMs,
        totalMs: performance.now() - started,
      });
      settle({ index, ok: true, ...result });
    }
    const failed = results.filter((item) => !item.ok).length;
    this.logger.log(
      `Letter batch finished batchId=${batchId} items=${items.length} failed=${failed} totalMs=${Math.round(performance.now() - started)}`,
    );
    return results;
  }

  /**
   * One generation step of a batch for the items still going (and passing `when`), as bulk work; an
   * item that fails gets its error in `results` and drops out of later steps.
   */
  private async step<T>(
    step: Step,
    inputs: Map<number, CreateLetterDto>,
    request: (input: CreateLetterDto, index: number) => GenerationRequest,
    within: {
      results: LetterBatchItem[];
      signal: AbortSignal | undefined;
      settle: (item: LetterBatchItem) => void;
      onStage: (stage: Step) => void;
    },
    parse: (result: GenerationResult) => T,
    when: (index: number) => boolean = () => true,
  ): Promise<Map<number, GenerationResult & { value: T }>> {
    const { results, signal, settle } = within;
    const indexes = [...inputs.keys()].filter((index) => !results[index] && when(index));
    if (indexes.length === 0) return new Map();
    within.onStage(step);
    const format = step === 'facts' ? FORMATS.facts : FORMATS.letter;
    const batch = await this.queue.generateMany(
      indexes.map((index) => ({ ...request(inputs.get(index) as CreateLetterDto, index), format })),
      { workClass: 'bulk', signal, timeoutMs: this.batchTimeoutMs },
    );
    const done = new Map<number, GenerationResult & { value: T }>();
    batch.forEach((item, position) => {
      const index = indexes[position];
      try {
        if (!item.ok) throw item.error;
        done.set(index, { ...item.result, value: parse(item.result) });
      } catch (error) {
        // A failed rewrite keeps the letter as first written; any other failed step fails the item.
        if (step === 'rewrite') return;
        const failure = error instanceof GenerationError ? error : new GenerationError('failed', String(error));
        settle({ index, ok: false, error: generationFailureResponse(failure).body });
      }
    });
    return done;
  }

  private assemble(
    input: CreateLetterDto,
    facts: GenerationResult & { value: CaseFacts },
    letter: GenerationResult & { value: LetterSections },
    rewrite: (GenerationResult & { value: LetterSections }) | undefined,
    timings: LetterResult['timings'],
  ): LetterResult {
    const first = readabilityOf(letterText(letter.value, input));
    const second = rewrite ? readabilityOf(letterText(rewrite.value, input)) : undefined;
    // A rewrite that reads no easier is dropped: the first letter stands.
    const rewritten = second !== undefined && second.fleschKincaidGrade < first.fleschKincaidGrade;
    const sections = rewritten && rewrite ? rewrite.value : letter.value;
    const readability = rewritten && second ? second : first;
    const text = letterText(sections, input);
    const evidence = new NotesEvidence(input.notes);
    const calls = [facts, letter, ...(rewrite ? [rewrite] : [])];
    return {
      letter: { text, sections },
      facts: facts.value,
      readability: {
        fleschKincaidGrade: readability.fleschKincaidGrade,
        fleschReadingEase: readability.fleschReadingEase,
        targetGrade: this.targetGrade,
        rewritten,
      },
      warnings: [...evidence.checkFacts(facts.value), ...evidence.checkLetter(text)],
      usage: {
        promptTokens: calls.reduce((sum, call) => sum + call.usage.promptTokens, 0),
        completionTokens: calls.reduce((sum, call) => sum + call.usage.completionTokens, 0),
      },
      backend: (rewritten && rewrite ? rewrite : letter).backend,
      timings: Object.fromEntries(
        Object.entries(timings).flatMap(([key, value]) => (value === undefined ? [] : [[key, Math.round(value)]])),
      ) as LetterResult['timings'],
    };
  }

  /** The rewrite call for a letter that reads above the target grade; undefined when none is due. */
  private rewriteFor(sections: LetterSections, parties: LetterParties): GenerationRequest | undefined {
    if (!this.rewrite) return undefined;
    const grade = readabilityOf(letterText(sections, parties)).fleschKincaidGrade;
    return grade > this.targetGrade ? rewriteRequest(sections, grade, this.targetGrade) : undefined;
  }

  private checkNotes(notes: string): void {
    const problem = this.notesProblem(notes);
    if (problem) throw new LetterError('notes_too_long', `${problem}: shorten them or split the case`);
  }

  private notesProblem(notes: string): string | undefined {
    return notes.length > this.maxNotesChars
      ? `notes must be at most ${this.maxNotesChars} characters (NOTES_MAX_CHARS); got ${notes.length}`
      : undefined;
  }

  /** What is wrong with one batch item, in the words the ValidationPipe would use; undefined when nothing. */
  private itemProblem(item: Record<string, unknown>): string | undefined {
    const errors = validateSync(plainToInstance(CreateLetterDto, item), {
      whitelist: true,
      forbidNonWhitelisted: true,
    });
    if (errors.length > 0) {
      return boundUnknownProperties(errors)
        .flatMap((error) => Object.values(error.constraints ?? {}))
        .join('; ');
    }
    return this.notesProblem(item['notes'] as string);
  }

  private logWritten(letterId: string, input: CreateLetterDto, result: LetterResult): void {
    this.logger.log(
      `Letter written letterId=${letterId} notesChars=${input.notes.length} letterChars=${result.letter.text.length} ` +
        `grade=${result.readability.fleschKincaidGrade} rewritten=${result.readability.rewritten} ` +
        `warnings=${result.warnings.length} backend=${result.backend.kind} totalMs=${result.timings.totalMs}`,
    );
  }

  private logFailed(letterId: string, error: unknown): void {
    if (error instanceof GenerationError) {
      this.logger.warn(
        `Letter failed letterId=${letterId} code=${error.code} llmErrorKind=${error.details.llmErrorKind ?? 'none'} ` +
          `backend=${error.details.backend ?? 'none'} jobId=${error.details.jobId ?? 'none'}`,
      );
    }
  }
}

function badRequest(message: string): GenerationFailureResponse['body'] {
  return { statusCode: 400, error: 'Bad Request', message, retryable: false };
}
