import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { FanOutQueue, PartOutcome } from '@rma/generation-queue';
import { ownerOf } from '@rma/service-core';
import { assemblePages } from '../analysis/assembly';
import type { DocProcessorEnv } from '../config/env.schema';
import type { DocumentRecord, DocumentStatus, PageMethod, PageOutcome } from '../documents/document-record';
import { DocumentStore } from '../documents/document-store';
import type { FileKind } from '../reading/reader.protocol';
import { DocumentAnalysisService } from './document-analysis.service';
import { DocumentHandoffService } from './document-handoff.service';
import { DocumentMetrics } from './document-metrics';
import { PageReadingService, PageToRead } from './page-reading.service';

/** A document ends (done or failed) only from these: a second finish of the same document changes nothing. */
const UNFINISHED: readonly DocumentStatus[] = ['queued', 'processing'];

/** Persisted: BullMQ queues `rma-documents` (documents) and `rma-documents-parts` (pages). */
export const DOCUMENT_QUEUE_NAME = 'rma-documents';

interface DocumentJob {
  documentId: string;
}

/**
 * A document as jobs: one per page, read in parallel by every process's workers, then one that
 * assembles the pages, classifies, extracts and checks, and hands a client's document to rag-service
 * (retried with backoff until rag-service acknowledges it, HANDOFF_ATTEMPTS times).
 */
@Injectable()
export class DocumentPipelineService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DocumentPipelineService.name);
  private readonly flow: FanOutQueue<DocumentJob, PageToRead, PageOutcome, void>;
  private readonly documentTimeoutMs: number;
  private readonly handoffAttempts: number;

  constructor(
    private readonly store: DocumentStore,
    private readonly pages: PageReadingService,
    private readonly analysis: DocumentAnalysisService,
    private readonly handoff: DocumentHandoffService,
    private readonly metrics: DocumentMetrics,
    config: ConfigService<DocProcessorEnv, true>,
  ) {
    this.documentTimeoutMs = config.get('DOCUMENT_TIMEOUT_MS', { infer: true });
    this.handoffAttempts = config.get('HANDOFF_ATTEMPTS', { infer: true });
    this.flow = new FanOutQueue({
      redisUrl: config.get('REDIS_URL', { infer: true }),
      name: DOCUMENT_QUEUE_NAME,
      workers: {
        enabled: config.get('GENERATION_WORKERS', { infer: true }) === 'true',
        partConcurrency: config.get('PAGE_WORKERS', { infer: true }),
        wholeConcurrency: 2,
      },
      // A page's own failures are reported in its outcome; a throw is Redis or a dead worker: once more.
      attempts: 2,
      wholeAttempts: this.handoffAttempts,
      backoffMs: 2000,
      redisWaitMs: config.get('GENERATION_REDIS_WAIT_MS', { infer: true }),
      lockDurationMs: config.get('PAGE_TIMEOUT_MS', { infer: true }) + 30_000,
      retentionSeconds: config.get('DOCUMENT_RETENTION_HOURS', { infer: true }) * 3600,
      processPart: (page) => this.readPage(page),
      processWhole: (job, parts) => this.finish(job.documentId, parts),
    });
  }

  /** Queues a document's pages and its assembly. */
  async enqueue(record: DocumentRecord): Promise<void> {
    const deadline = Date.parse(record.createdAt) + this.documentTimeoutMs;
    const pages: PageToRead[] = Array.from({ length: record.pageCount }, (_, pageIndex) => ({
      documentId: record.documentId,
      pageIndex,
      kind: record.kind as FileKind,
      workClass: record.workClass,
      deadline,
    }));
    await this.flow.add({
      id: record.documentId,
      data: { documentId: record.documentId },
      parts: pages,
      workClass: record.workClass,
    });
  }

  /** Drops a document's jobs that have not started; running ones see the record gone and stop. */
  cancel(documentId: string): Promise<void> {
    return this.flow.remove(documentId);
  }

  counts(): ReturnType<FanOutQueue<DocumentJob, PageToRead, PageOutcome, void>['counts']> {
    return this.flow.counts();
  }

  /**
   * Drains the workers before anything they use goes: the reader pool, the generation queue and the
   * hand-off client close in onApplicationShutdown, which Nest calls after this.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flow.close();
  }

  private async readPage(page: PageToRead): Promise<PageOutcome> {
    const record = await this.store.record(page.documentId);
    if (!record) {
      return {
        report: {
          pageNumber: page.pageIndex + 1,
          status: 'failed',
          ms: 0,
          warnings: [],
          error: { code: 'deleted', message: 'the document was deleted' },
        },
        markdown: '',
      };
    }
    if (record.status === 'queued') {
      await this.store.update(page.documentId, { status: 'processing' }, { onlyFrom: ['queued'] });
    }
    const outcome = await this.pages.readPage(page);
    await this.store.savePage(page.documentId, page.pageIndex, outcome);
    this.logger.debug(
      `Page read documentId=${page.documentId} page=${page.pageIndex + 1} status=${outcome.report.status} ` +
        `method=${outcome.report.method ?? '-'} ms=${outcome.report.ms}`,
    );
    return outcome;
  }

  private async finish(documentId: string, parts: PartOutcome<PageOutcome>[]): Promise<void> {
    let record = await this.store.record(documentId);
    if (!record) return; // deleted while it was read
    if (record.status !== 'done' && record.status !== 'failed') {
      record = await this.assemble(record, parts);
      if (!record) return;
    }
    if (record.status === 'done' && record.handoff?.status === 'pending') await this.handOff(record);
  }

  private async assemble(record: DocumentRecord, parts: PartOutcome<PageOutcome>[]): Promise<DocumentRecord | null> {
    const started = Date.now();
    const documentId = record.documentId;
    const pages = parts.map((part, index): PageOutcome =>
      part.ok
        ? part.value
        : {
            report: {
              pageNumber: index + 1,
              status: 'failed',
              ms: 0,
              warnings: [],
              error: { code: 'read_failed', message: part.reason },
            },
            markdown: '',
          },
    );
    const read = pages.filter((page) => page.report.status === 'done' && page.markdown.trim());
    if (!read.length) {
      const first = pages.find((page) => page.report.error)?.report.error;
      this.metrics.documents.inc({ outcome: 'failed' });
      this.logger.warn(
        `Document failed: no page could be read documentId=${documentId} pages=${pages.length} reason=${first?.code ?? 'no_text'}`,
      );
      return this.store.update(
        documentId,
        {
          status: 'failed',
          finishedAt: new Date().toISOString(),
          error: first
            ? { code: first.code, message: `no page could be read: ${first.message}` }
            : { code: 'no_text', message: 'no page has any text that could be read' },
        },
        { onlyFrom: UNFINISHED },
      );
    }
    const assembled = assemblePages(
      read.map((page) => ({ pageNumber: page.report.pageNumber, markdown: page.markdown })),
    );
    const analysis = await this.analysis.analyse({
      documentId,
      markdown: assembled.markdown,
      hint: record.hint,
      workClass: record.workClass,
    });
    const failedPages = pages.filter((page) => page.report.status === 'failed');
    const byMethod: Partial<Record<PageMethod, number>> = {};
    for (const page of pages)
      if (page.report.method && page.report.status === 'done')
        byMethod[page.report.method] = (byMethod[page.report.method] ?? 0) + 1;
    const { analysisMs, ...result } = analysis;
    await this.store.saveResult(documentId, {
      markdown: assembled.markdown,
      result: {
        ...result,
        warnings: [
          ...failedPages.map(
            (page) =>
              `page ${page.report.pageNumber} could not be read (${page.report.error?.code}): its facts are missing`,
          ),
          ...result.warnings,
        ],
        pages: { total: pages.length, failed: failedPages.length, byMethod },
        assembly: { removedLines: assembled.removedLines, mergedTables: assembled.mergedTables },
        timings: { totalMs: Date.now() - Date.parse(record.createdAt), analysisMs },
      },
    });
    this.metrics.documents.inc({ outcome: 'done' });
    this.metrics.classifications.inc({
      type: result.documentType,
      decided_by: result.classification.decidedBy,
      agreed: String(result.classification.agreed),
    });
    this.logger.log(
      `Document done documentId=${documentId} pages=${pages.length} failedPages=${failedPages.length} ` +
        `type=${result.documentType} decidedBy=${result.classification.decidedBy} ms=${Date.now() - started}`,
    );
    return this.store.update(
      documentId,
      {
        status: 'done',
        finishedAt: new Date().toISOString(),
        ...(record.clientId ? { handoff: { status: 'pending', attempts: 0 } } : {}),
      },
      { onlyFrom: UNFINISHED },
    );
  }

  /** Hands a client's document to rag-service; a failure throws so the job is retried with backoff. */
  private async handOff(record: DocumentRecord): Promise<void> {
    const documentId = record.documentId;
    const [markdown, result] = await Promise.all([this.store.markdown(documentId), this.store.result(documentId)]);
    if (!markdown || !result || !record.clientId) return;
    const attempts = (record.handoff?.attempts ?? 0) + 1;
    try {
      const reply = await this.handoff.processed({
        documentId,
        // Its client's collection in rag-service is the uploading organisation's.
        organisation: ownerOf(record),
        clientId: record.clientId,
        title: `${result.documentType.replace(/_/g, ' ')} ${documentId}`,
        markdown,
        documentType: result.documentType,
        sha256: record.sha256,
        processedAt: record.finishedAt ?? new Date().toISOString(),
        facts: result.facts,
      });
      await this.store.update(
        documentId,
        { handoff: { status: 'done', attempts, indexed: { status: reply.status, chunks: reply.chunks } } },
        { onlyFrom: ['done'] },
      );
      this.metrics.handoffs.inc({ outcome: 'indexed' });
      this.logger.log(
        `Document handed to rag-service documentId=${documentId} status=${reply.status} chunks=${reply.chunks}`,
      );
    } catch (error) {
      const message = (error as Error).message || (error as Error).name;
      const last = attempts >= this.handoffAttempts;
      await this.store.update(
        documentId,
        { handoff: { status: last ? 'failed' : 'pending', attempts, lastError: message } },
        { onlyFrom: ['done'] },
      );
      this.metrics.handoffs.inc({ outcome: last ? 'failed' : 'retry' });
      this.logger.warn(
        `Hand-off to rag-service failed documentId=${documentId} attempt=${attempts} final=${last} error="${message}"`,
      );
      throw error;
    }
  }
}
