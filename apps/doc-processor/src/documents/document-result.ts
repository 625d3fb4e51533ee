import type { DocumentType, PriorityLevel } from '../analysis/document-types';
import type { PageMethod } from './document-record';

/** How the type was decided: the rules always, the chat model when it answered. */
export interface ClassificationReport {
  type: DocumentType;
  confidence: number;
  decidedBy: 'rules' | 'llm' | 'both';
  /** Whether the rules and the model agreed; null when the model did not answer. */
  agreed: boolean | null;
  rules: { type: DocumentType; confidence: number; cues: string[] };
  llm: { type: DocumentType; confidence: number } | null;
  /** The uploader's hint, and whether the result matches it. */
  hint?: { type: string; matches: boolean };
}

/** A finished document: its type, priority, the facts pulled out, and every doubt about them. */
export interface DocumentResult {
  documentType: DocumentType;
  priority: { level: PriorityLevel; reason: string };
  classification: ClassificationReport;
  facts: Record<string, unknown>;
  /** Fact fields the parsers missed and the chat model filled (checked against the text like the rest). */
  factsFromLlm: string[];
  /** Amounts or dates not found in the document, balances that do not add up, pages that failed. */
  warnings: string[];
  pages: { total: number; failed: number; byMethod: Partial<Record<PageMethod, number>> };
  assembly: { removedLines: number; mergedTables: number };
  timings: { totalMs: number; analysisMs: number };
}
