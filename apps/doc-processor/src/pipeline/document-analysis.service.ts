import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { GenerationError, GenerationQueue, WorkClass } from '@rma/generation-queue';
import { z } from 'zod';
import { classifyDocument, combineClassification } from '../analysis/classifier';
import { DOCUMENT_TYPES, DocumentType, priorityOf } from '../analysis/document-types';
import { extractionSchemaFor } from '../analysis/extraction.schemas';
import { extractFacts } from '../analysis/extractors';
import { checkFacts } from '../analysis/fact-check';
import type { DocProcessorEnv } from '../config/env.schema';
import type { ClassificationReport, DocumentResult } from '../documents/document-result';

/** The model sees at most this much of a document: the start carries the type and most facts. */
const LLM_TEXT_CHARS = 12_000;

const llmClassificationSchema = z.object({
  type: z.enum(DOCUMENT_TYPES),
  confidence: z.number().min(0).max(1),
});

const SYSTEM_PROMPT =
  'You read documents that clients of a UK debt advice service send to their adviser. Answer in the JSON ' +
  'shape asked for, using only what the document says.';

export type DocumentAnalysis = Pick<
  DocumentResult,
  'documentType' | 'priority' | 'classification' | 'facts' | 'factsFromLlm' | 'warnings'
> & { analysisMs: number };

/**
 * Type, priority and facts of an assembled document: the deterministic classifier and parsers always
 * run and decide alone when the chat model is off or down; the model's classification is combined with
 * the rules', and it fills only the fact fields the parsers missed. Every fact is then checked against
 * the document's own text.
 */
@Injectable()
export class DocumentAnalysisService {
  private readonly logger = new Logger(DocumentAnalysisService.name);
  private readonly llmEnabled: boolean;
  private readonly llmTimeoutMs: number;

  constructor(
    private readonly queue: GenerationQueue,
    config: ConfigService<DocProcessorEnv, true>,
  ) {
    this.llmEnabled = config.get('DOCUMENT_LLM', { infer: true });
    this.llmTimeoutMs = config.get('DOCUMENT_LLM_TIMEOUT_MS', { infer: true });
  }

  async analyse(input: {
    documentId: string;
    markdown: string;
    hint?: string;
    workClass: WorkClass;
  }): Promise<DocumentAnalysis> {
    const started = Date.now();
    const warnings: string[] = [];
    const excerpt = input.markdown.slice(0, LLM_TEXT_CHARS);
    const rules = classifyDocument(input.markdown);
    const llm = this.llmEnabled ? await this.classifyWithLlm(input, excerpt, warnings) : undefined;
    const combined = combineClassification({ rules, llm });
    const classification: ClassificationReport = {
      type: combined.type,
      confidence: combined.confidence,
      decidedBy: combined.decidedBy,
      agreed: combined.agreed,
      rules: { type: rules.type, confidence: rules.confidence, cues: rules.cues },
      llm: llm ?? null,
      ...(input.hint ? { hint: { type: input.hint, matches: input.hint === combined.type } } : {}),
    };
    if (input.hint && input.hint !== combined.type) {
      warnings.push(`the uploader's hint was ${input.hint}, but the document reads as ${combined.type}`);
    }

    const extracted = extractFacts({ type: combined.type, markdown: input.markdown });
    let facts = extracted.facts as Record<string, unknown>;
    let factsFromLlm: string[] = [];
    if (this.llmEnabled && extracted.missing.length) {
      ({ facts, filled: factsFromLlm } = await this.fillWithLlm({
        ...input,
        excerpt,
        type: combined.type,
        facts,
        missing: extracted.missing,
        warnings,
      }));
    }
    warnings.push(...checkFacts({ type: combined.type, facts: facts as never, markdown: input.markdown }));
    return {
      documentType: combined.type,
      priority: priorityOf({ type: combined.type, text: input.markdown }),
      classification,
      facts,
      factsFromLlm,
      warnings,
      analysisMs: Date.now() - started,
    };
  }

  private async classifyWithLlm(
    input: { documentId: string; workClass: WorkClass },
    excerpt: string,
    warnings: string[],
  ): Promise<{ type: DocumentType; confidence: number } | undefined> {
    try {
      const { value } = await this.queue.generateStructured(
        {
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            {
              role: 'user',
              content:
                `Which type is this document? Types: ${DOCUMENT_TYPES.join(', ')}. Give your confidence ` +
                `from 0 to 1.\n\n${excerpt}`,
            },
          ],
          maxTokens: 64,
          temperature: 0,
        },
        llmClassificationSchema,
        { workClass: input.workClass, timeoutMs: this.llmTimeoutMs, name: 'document_type' },
      );
      return value;
    } catch (error) {
      // The queue not taking the job (Redis, its depth) is no verdict on the model: the job is retried.
      if (!(error instanceof GenerationError) || error.refusedByQueue) throw error;
      this.logger.warn(
        `Chat model did not classify; the rules decide documentId=${input.documentId} code=${error.code} ` +
          `kind=${error.details.llmErrorKind ?? '-'}`,
      );
      warnings.push(`the chat model gave no usable type (${describe(error)}); the rules decided the type alone`);
      return undefined;
    }
  }

  /** Asks the model for the type's facts and takes from its answer only the fields the parsers missed. */
  private async fillWithLlm(input: {
    documentId: string;
    workClass: WorkClass;
    excerpt: string;
    type: DocumentType;
    facts: Record<string, unknown>;
    missing: string[];
    warnings: string[];
  }): Promise<{ facts: Record<string, unknown>; filled: string[] }> {
    const schema = extractionSchemaFor(input.type) as z.ZodType;
    try {
      const { value } = await this.queue.generateStructured(
        {
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            {
              role: 'user',
              content:
                `Pull these facts out of this ${input.type.replace(/_/g, ' ')}. Amounts in pounds as numbers, ` +
                `dates as YYYY-MM-DD. Leave out what the document does not say.\n\n${input.excerpt}`,
            },
          ],
          maxTokens: 1024,
          temperature: 0,
        },
        schema,
        { workClass: input.workClass, timeoutMs: this.llmTimeoutMs, name: 'document_facts' },
      );
      const answer = value as Record<string, unknown>;
      const filled = input.missing.filter((field) => answer[field] !== undefined && answer[field] !== null);
      const merged = { ...input.facts, ...Object.fromEntries(filled.map((field) => [field, answer[field]])) };
      // The merged facts must still be one valid object of the type's schema; if not, the parsers' stand.
      if (!schema.safeParse(merged).success) return { facts: input.facts, filled: [] };
      return { facts: merged, filled };
    } catch (error) {
      // The queue not taking the job (Redis, its depth) is no verdict on the model: the job is retried.
      if (!(error instanceof GenerationError) || error.refusedByQueue) throw error;
      this.logger.warn(
        `Chat model did not extract; parsers' facts kept documentId=${input.documentId} code=${error.code} ` +
          `kind=${error.details.llmErrorKind ?? '-'}`,
      );
      input.warnings.push(
        `the chat model gave no usable facts (${describe(error)}); facts come from the parsers alone`,
      );
      return { facts: input.facts, filled: [] };
    }
  }
}

/** A failed generation in a warning: the queue's messages name paths and limits, never the document's text. */
function describe(error: GenerationError): string {
  return `${error.details.llmErrorKind ?? error.code}: ${error.message}`;
}
