import type { WorkClass } from '@rma/generation-queue';
import type { FileKind } from '../reading/reader.protocol';

// What doc-processor keeps of a document while it lives (DOCUMENT_RETENTION_HOURS): the record, one
// entry per page, the markdown and the result. Shapes of JSON stored in Redis: a change must still read
// what a running deployment wrote.

export type DocumentStatus = 'queued' | 'processing' | 'done' | 'failed';

/** How a page was read. */
export type PageMethod = 'text-layer' | 'ocr' | 'vision' | 'docx';

export interface HandoffState {
  status: 'pending' | 'done' | 'failed';
  attempts: number;
  /** rag-service's reply once it indexed the document. */
  indexed?: { status: string; chunks: number };
  lastError?: string;
}

export interface DocumentRecord {
  documentId: string;
  status: DocumentStatus;
  kind: FileKind;
  mime: string;
  pageCount: number;
  sizeBytes: number;
  sha256: string;
  /**
   * The organisation of the key that uploaded it: only that organisation sees it. Absent in records stored
   * before tenancy, which are LOCAL_ORGANISATION's (`ownerOf`).
   */
  organisation?: string;
  clientId?: string;
  /** The type the uploader expects; the classifier may disagree, and says so. */
  hint?: string;
  workClass: WorkClass;
  createdAt: string;
  finishedAt?: string;
  /** Why the whole document failed (every page failed, or it ran out of time). */
  error?: { code: string; message: string };
  handoff?: HandoffState;
}

export interface PageReport {
  pageNumber: number;
  status: 'done' | 'failed';
  method?: PageMethod;
  /** 0..1: 1 for a text layer, the mean word confidence for OCR. */
  confidence?: number;
  ms: number;
  ocrMs?: number;
  visionMs?: number;
  /** Why a method was chosen or rejected, and what went wrong: never the page's text. */
  warnings: string[];
  /** Why the page failed. */
  error?: { code: string; message: string };
}

/** A page as the whole document's assembly receives it: the report and its markdown. */
export interface PageOutcome {
  report: PageReport;
  markdown: string;
}
