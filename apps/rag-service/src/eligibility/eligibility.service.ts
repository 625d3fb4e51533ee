import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  checkEligibility,
  factProblems,
  InvalidFactsError,
  type ClientFacts,
  type EligibilityReport,
  type IvaGuidelines,
} from '@rma/debt-rules';
import { GenerationError, GenerationQueue, type GenerationResult } from '@rma/generation-queue';
import { LlmClient, LlmError } from '@rma/llm-provider';
import { ClientDocumentFigures } from '../client-documents/client-document-figures';
import type { DocumentFigure } from '../client-documents/document-figures';
import { ChunkStores } from '../vector-store/chunk-stores';
import { RagError } from '../common/rag.errors';
import type { RagServiceEnv } from '../config/env.schema';
import { RetrievalService, type RetrievedChunk } from '../ask/retrieval.service';
import { RequestDeadline } from '@rma/service-core';
import { prefillFacts, type PrefilledFigure } from './document-prefill';
import { explanationQueries, explanationRequest } from './eligibility-prompts';
import { allowedAmounts, inventedAmounts, type InventedAmount } from './explanation-check';

/** The check's input: the client's facts, and where to read more of them. */
export interface EligibilityInput extends ClientFacts {
  asOf?: string;
  /** The caller's organisation (its key's): `clientId` names that organisation's client. */
  organisation: string;
  clientId?: string;
  documentIds?: string[];
  explain?: boolean;
}

/** A manuals extract the explanation was written from. */
export interface ExplanationSource {
  documentId: string;
  title: string;
  source: string;
  chunkIndex: number;
  score: number;
}

/** The model's explanation, checked: an amount in it that is not a fact or a rule's figure is listed. */
export type Explanation =
  | {
      status: 'written';
      text: string;
      sources: ExplanationSource[];
      inventedAmounts: InventedAmount[];
      usage: GenerationResult['usage'];
      backend: GenerationResult['backend'];
    }
  | { status: 'unavailable'; reason: string; code: string }
  | { status: 'not_requested' };

/** The decision: the facts it used (with where each document figure came from) and the rules' report. */
export interface EligibilityDecision {
  asOf: string;
  facts: ClientFacts;
  /** Each document asked for and how many figures it showed (0 for one processed before figures were kept). */
  documents: Array<{ documentId: string; figures: number }>;
  prefilled: PrefilledFigure[];
  report: EligibilityReport;
}

export type EligibilityAnswer = EligibilityDecision & { explanation: Explanation };

export type EligibilityStreamEvent =
  | { event: 'decision'; data: EligibilityDecision }
  | { event: 'token'; data: { text: string } }
  | {
      event: 'explanation';
      data: Exclude<Explanation, { status: 'written' }> | Omit<Extract<Explanation, { status: 'written' }>, 'text'>;
    };

/** The explanation gives up this long before the request's deadline, so the decision is still answered. */
const ANSWER_MARGIN_MS = 250;

/**
 * Which debt solutions a client can use: decided by @rma/debt-rules (exact, dated, no LLM), then explained
 * by the model from the manuals. The decision never waits on the model: with the LLM or Chroma down the
 * explanation is marked unavailable and the decision is still the answer.
 */
@Injectable()
export class EligibilityService {
  private readonly logger = new Logger(EligibilityService.name);
  private readonly settings: {
    nearMissShare: number;
    ivaGuidelines: IvaGuidelines;
    maxTokens: number;
    timeoutMs: number;
    topK: number;
  };

  constructor(
    private readonly retrieval: RetrievalService,
    private readonly figures: ClientDocumentFigures,
    private readonly stores: ChunkStores,
    private readonly llm: LlmClient,
    private readonly queue: GenerationQueue,
    config: ConfigService<RagServiceEnv, true>,
  ) {
    this.settings = {
      nearMissShare: config.get('ELIGIBILITY_NEAR_MISS_SHARE'),
      ivaGuidelines: {
        minUnsecuredDebt: config.get('IVA_MIN_UNSECURED_DEBT'),
        minCreditors: config.get('IVA_MIN_CREDITORS'),
        minMonthlyContribution: config.get('IVA_MIN_MONTHLY_CONTRIBUTION'),
      },
      maxTokens: config.get('ELIGIBILITY_MAX_TOKENS'),
      timeoutMs: config.get('ELIGIBILITY_TIMEOUT_MS'),
      topK: config.get('ASK_TOP_K'),
    };
  }

  /**
   * The decision, then its explanation within the request's deadline (ELIGIBILITY_REQUEST_TIMEOUT_MS, made
   * at the HTTP edge): the explanation (embedding, search and generation) gets ELIGIBILITY_TIMEOUT_MS or
   * what is left of the deadline, whichever is less, so that without it the decision is still answered.
   */
  async check(input: EligibilityInput, deadline: RequestDeadline): Promise<EligibilityAnswer> {
    const decision = await this.decide(input);
    if (input.explain === false) return { ...decision, explanation: { status: 'not_requested' } };
    const budget = this.explanationBudget(deadline);
    let explanation: Explanation;
    try {
      explanation = await budget.run(async (signal) => {
        const { request, chunks } = await this.explanationRequest(decision, signal);
        const result = await this.queue.generate(request, {
          workClass: 'interactive',
          timeoutMs: budget.remainingMs(),
          signal,
        });
        return this.written(decision, result, chunks);
      });
    } catch (error) {
      explanation = unavailable(error, deadline.signal);
    } finally {
      budget.dispose();
    }
    this.logged(decision, explanation);
    return { ...decision, explanation };
  }

  /** The decision first, then the explanation's tokens, then the explanation's sources and check. */
  async *stream(input: EligibilityInput, deadline: RequestDeadline): AsyncGenerator<EligibilityStreamEvent> {
    const decision = await this.decide(input);
    yield { event: 'decision', data: decision };
    if (input.explain === false) {
      yield { event: 'explanation', data: { status: 'not_requested' } };
      return;
    }
    const budget = this.explanationBudget(deadline);
    let explanation: Explanation | undefined;
    try {
      for await (const event of budget.runStream(this.explanationStream(decision, budget))) {
        if ('text' in event) yield { event: 'token', data: event };
        else explanation = event.explanation;
      }
      if (!explanation) throw new GenerationError('interrupted', 'the explanation stream ended without a result');
    } catch (error) {
      explanation = unavailable(error, deadline.signal);
    } finally {
      budget.dispose();
    }
    this.logged(decision, explanation);
    if (explanation.status === 'written') {
      const { text: _text, ...rest } = explanation;
      yield { event: 'explanation', data: rest };
    } else yield { event: 'explanation', data: explanation };
  }

  /** The facts (with document figures), validated, and the rules' report. No LLM, no Chroma. */
  async decide(input: EligibilityInput): Promise<EligibilityDecision> {
    const { asOf: requestedAsOf, organisation, clientId, documentIds, explain: _explain, ...given } = input;
    const asOf = requestedAsOf ?? todayInLondon();
    const givenProblems = factProblems(given, asOf);
    if (givenProblems.length > 0) {
      throw new RagError('invalid_facts', givenProblems.map((problem) => problem.message).join(' '));
    }
    const { documents, figures } = await this.documentFigures({ organisation, clientId }, documentIds);
    const { facts, prefilled } = prefillFacts(given, figures);
    try {
      const report = checkEligibility(facts, {
        asOf,
        nearMissShare: this.settings.nearMissShare,
        ivaGuidelines: this.settings.ivaGuidelines,
      });
      return { asOf, facts, documents, prefilled, report };
    } catch (error) {
      // The adviser's facts passed; a problem now came with a document's figures (or a bad setting).
      if (!(error instanceof InvalidFactsError)) throw error;
      throw new RagError(
        'invalid_facts',
        `with the documents' figures added: ${error.problems.map((problem) => problem.message).join(' ')}`,
      );
    }
  }

  /** The figures of the organisation's client's documents; another organisation's read as missing (404). */
  private async documentFigures(
    client: { organisation: string; clientId?: string },
    documentIds: string[] | undefined,
  ): Promise<{ documents: EligibilityDecision['documents']; figures: DocumentFigure[] }> {
    if (!documentIds || documentIds.length === 0) return { documents: [], figures: [] };
    const { organisation, clientId } = client;
    if (!clientId) {
      throw new RagError('invalid_facts', 'documentIds are the documents of a client: give that clientId too.');
    }
    const ids = [...new Set(documentIds)];
    const { figures, missing } = await this.figures.find({ organisation, clientId }, ids);
    // A document indexed before its figures were kept has chunks but no figures: found, showing none.
    const store = this.stores.forClient(organisation, clientId);
    const unknown: string[] = [];
    for (const documentId of missing) {
      if ((await store.find({ documentId }, { limit: 1 })).length === 0) unknown.push(documentId);
    }
    if (unknown.length > 0) {
      // By position, not by id: an id is whatever the caller typed, and answers do not repeat what was sent.
      const positions = unknown.map((documentId) => `documentIds[${documentIds.indexOf(documentId)}]`);
      throw new RagError(
        'document_not_found',
        `no processed document for ${positions.join(', ')} of this client: check the ids, or wait until ` +
          'doc-processor shows the document done and handed off.',
      );
    }
    const documents = ids.map((documentId) => ({
      documentId,
      figures: figures.filter((figure) => figure.documentId === documentId).length,
    }));
    return { documents, figures };
  }

  /** The explanation's own deadline: ELIGIBILITY_TIMEOUT_MS, within the request's (less a margin to answer). */
  private explanationBudget(deadline: RequestDeadline): RequestDeadline {
    const ms = Math.max(1, Math.min(this.settings.timeoutMs, deadline.remainingMs() - ANSWER_MARGIN_MS));
    return new RequestDeadline({
      ms,
      cancel: deadline.signal,
      exceeded: () =>
        new GenerationError(
          'timeout',
          `the explanation took longer than ${ms} ms (ELIGIBILITY_TIMEOUT_MS, or what was left of ELIGIBILITY_REQUEST_TIMEOUT_MS)`,
        ),
    });
  }

  private async *explanationStream(
    decision: EligibilityDecision,
    budget: RequestDeadline,
  ): AsyncGenerator<{ text: string } | { explanation: Explanation }> {
    const { signal } = budget;
    const { request, chunks } = await this.explanationRequest(decision, signal);
    for await (const chunk of this.queue.stream(request, {
      workClass: 'interactive',
      timeoutMs: budget.remainingMs(),
      signal,
    })) {
      if (chunk.type === 'token') yield { text: chunk.text };
      else {
        yield { explanation: this.written(decision, chunk.result, chunks) };
        return;
      }
    }
  }

  private async explanationRequest(decision: EligibilityDecision, signal?: AbortSignal) {
    const queries = explanationQueries(decision.report);
    const { vectors } = await this.llm.embed(queries, { signal });
    // The best extracts of each option's search, at most ASK_TOP_K in all: the decision takes room too.
    const perQuery = Math.max(1, Math.floor(this.settings.topK / queries.length));
    const found = await Promise.all(
      vectors.map((vector) => this.retrieval.search(vector, { topK: perQuery }, { signal })),
    );
    const chunks = bestDistinct(found.flat(), this.settings.topK);
    return {
      request: explanationRequest({ ...decision, chunks, maxTokens: this.settings.maxTokens }),
      chunks,
    };
  }

  private written(decision: EligibilityDecision, result: GenerationResult, chunks: RetrievedChunk[]): Explanation {
    return {
      status: 'written',
      text: result.text,
      sources: chunks.map((chunk) => ({
        documentId: chunk.metadata.documentId,
        title: chunk.metadata.title,
        source: chunk.metadata.source,
        chunkIndex: chunk.metadata.chunkIndex,
        score: Math.round(chunk.score * 10_000) / 10_000,
      })),
      inventedAmounts: inventedAmounts(
        result.text,
        allowedAmounts({ facts: decision.facts, report: decision.report, nearMissShare: this.settings.nearMissShare }),
      ),
      usage: result.usage,
      backend: result.backend,
    };
  }

  private logged(decision: EligibilityDecision, explanation: Explanation): void {
    const statuses = decision.report.options.map((option) => `${option.option}:${option.status}`).join(',');
    const invented = explanation.status === 'written' ? explanation.inventedAmounts.length : 0;
    this.logger.log(
      `Eligibility checked asOf=${decision.asOf} options=${statuses} prefilled=${decision.prefilled.length} explanation=${explanation.status} inventedAmounts=${invented}`,
    );
  }
}

/**
 * An explanation that failed on the LLM, the queue or Chroma is unavailable (the decision stands). A
 * caller who went away is not answered; a bug is not hidden.
 */
function unavailable(error: unknown, signal: AbortSignal | undefined): Explanation {
  if (signal?.aborted) throw error;
  if (error instanceof GenerationError) return { status: 'unavailable', reason: error.message, code: error.code };
  if (error instanceof LlmError) return { status: 'unavailable', reason: error.message, code: `llm_${error.kind}` };
  // Chroma down, refusing, or holding embeddings of another model: no extracts, so no explanation.
  if (error instanceof RagError) return { status: 'unavailable', reason: error.message, code: error.code };
  throw error;
}

/** Today's date where the rules apply (a check at 00:30 in London on 1 June is a June check). */
function todayInLondon(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
}

function bestDistinct(chunks: RetrievedChunk[], limit: number): RetrievedChunk[] {
  const best = new Map<string, RetrievedChunk>();
  for (const chunk of chunks) {
    const seen = best.get(chunk.id);
    if (!seen || chunk.score > seen.score) best.set(chunk.id, chunk);
  }
  return [...best.values()].sort((a, b) => b.score - a.score).slice(0, limit);
}
