import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { GenerationError, GenerationQueue, WorkClass } from '@rma/generation-queue';
import { readFile } from 'node:fs/promises';
import { checkVisionAnswer } from '../analysis/vision-check';
import type { DocProcessorEnv } from '../config/env.schema';
import type { FileKind } from '../reading/reader.protocol';
import type { PageOutcome } from '../documents/document-record';
import { DocumentStore } from '../documents/document-store';
import { ReadError } from '../reading/reading.errors';
import { DocumentMetrics } from './document-metrics';
import { ReaderPoolHost } from './reader-pool.provider';

const VISION_PROMPT =
  "Transcribe this page of a client's document into markdown. Keep every amount, date, reference and name " +
  'exactly as printed. Write tables as markdown tables. Add nothing that is not on the page. Answer with the ' +
  'markdown only.';

export interface PageToRead {
  documentId: string;
  pageIndex: number;
  kind: FileKind;
  workClass: WorkClass;
  /** Epoch ms after which the document has run out of time. */
  deadline: number;
}

/**
 * One page into markdown: the PDF text layer when it is good, otherwise OCR of the rendered page; and,
 * for OCR pages, the vision model's reading when it passes the checks against the OCR.
 */
@Injectable()
export class PageReadingService {
  private readonly logger = new Logger(PageReadingService.name);
  private readonly vision: boolean;
  private readonly visionMaxTokens: number;
  private readonly dpi: number;

  constructor(
    private readonly readers: ReaderPoolHost,
    private readonly store: DocumentStore,
    private readonly queue: GenerationQueue,
    private readonly metrics: DocumentMetrics,
    config: ConfigService<DocProcessorEnv, true>,
  ) {
    this.vision = config.get('DOCUMENT_VISION', { infer: true });
    this.visionMaxTokens = config.get('VISION_MAX_TOKENS', { infer: true });
    this.dpi = config.get('OCR_DPI', { infer: true });
  }

  async readPage(page: PageToRead): Promise<PageOutcome> {
    const started = Date.now();
    const pageNumber = page.pageIndex + 1;
    if (started > page.deadline) {
      return this.failed(pageNumber, started, 'document_timeout', 'the document ran out of time (DOCUMENT_TIMEOUT_MS)');
    }
    const path = this.store.originalPath(page.documentId);
    try {
      if (page.kind === 'docx') {
        const docx = await this.readers.pool.readDocx(path);
        this.metrics.pages.inc({ method: 'docx' });
        return {
          report: {
            pageNumber,
            status: 'done',
            method: 'docx',
            confidence: 1,
            ms: Date.now() - started,
            warnings: docx.warnings,
          },
          markdown: docx.markdown,
        };
      }
      const reading = await this.readers.pool.readPage({
        path,
        kind: page.kind,
        pageIndex: page.pageIndex,
        dpi: this.dpi,
        mode: 'auto',
        imageOut: this.vision ? this.store.pageImagePath(page.documentId, page.pageIndex) : undefined,
      });
      const warnings = [...reading.warnings];
      if (reading.quality && !reading.quality.useTextLayer)
        warnings.push(`text layer not used: ${reading.quality.reason}`);
      if (reading.ocrMs !== undefined) this.metrics.ocrSeconds.observe(reading.ocrMs / 1000);
      let outcome: PageOutcome = {
        report: {
          pageNumber,
          status: 'done',
          method: reading.method,
          confidence: round(reading.confidence),
          ms: 0,
          ocrMs: reading.ocrMs,
          warnings,
        },
        markdown: reading.markdown,
      };
      if (reading.method === 'ocr' && reading.imagePath) {
        outcome = await this.withVision(outcome, reading.imagePath, page);
      }
      outcome.report.ms = Date.now() - started;
      this.metrics.pages.inc({ method: outcome.report.method });
      return outcome;
    } catch (error) {
      // A pool closed under a page is this process shutting down, not the page's fault: the job is
      // retried, by another replica or after the restart.
      if (error instanceof ReadError && error.code !== 'pool_closed') {
        return this.failed(pageNumber, started, error.code, error.message);
      }
      throw error;
    }
  }

  /** Asks the vision model for the page; keeps its answer only when it agrees with the OCR. */
  private async withVision(ocr: PageOutcome, imagePath: string, page: PageToRead): Promise<PageOutcome> {
    const started = Date.now();
    const image = (await readFile(imagePath)).toString('base64');
    try {
      const result = await this.queue.generate(
        {
          role: 'vision',
          messages: [{ role: 'user', content: VISION_PROMPT, images: [image] }],
          maxTokens: this.visionMaxTokens,
          temperature: 0,
        },
        { workClass: page.workClass, timeoutMs: Math.max(1000, page.deadline - Date.now()) },
      );
      const visionMs = Date.now() - started;
      const verdict = checkVisionAnswer({
        vision: result.text,
        ocrText: ocr.markdown,
        ocrConfidence: ocr.report.confidence ?? 0,
      });
      this.metrics.visionSeconds.observe({ outcome: verdict.accepted ? 'accepted' : 'rejected' }, visionMs / 1000);
      if (verdict.accepted) {
        return {
          report: {
            ...ocr.report,
            method: 'vision',
            visionMs,
            warnings: [...ocr.report.warnings, 'read by the vision model; checked against the OCR'],
          },
          markdown: result.text.trim(),
        };
      }
      return {
        report: {
          ...ocr.report,
          visionMs,
          warnings: [...ocr.report.warnings, `vision answer rejected, OCR kept: ${verdict.reasons.join('; ')}`],
        },
        markdown: ocr.markdown,
      };
    } catch (error) {
      // The queue not taking the job (Redis, its depth) is no verdict on the model: the job is retried.
      if (!(error instanceof GenerationError) || error.refusedByQueue) throw error;
      const visionMs = Date.now() - started;
      this.metrics.visionSeconds.observe({ outcome: 'failed' }, visionMs / 1000);
      this.logger.warn(
        `Vision model failed; OCR kept documentId=${page.documentId} page=${page.pageIndex + 1} code=${error.code}`,
      );
      return {
        report: {
          ...ocr.report,
          visionMs,
          warnings: [...ocr.report.warnings, `vision model unavailable, OCR kept: ${error.message}`],
        },
        markdown: ocr.markdown,
      };
    }
  }

  private failed(pageNumber: number, started: number, code: string, message: string): PageOutcome {
    this.metrics.pageFailures.inc({ reason: code });
    return {
      report: { pageNumber, status: 'failed', ms: Date.now() - started, warnings: [], error: { code, message } },
      markdown: '',
    };
  }
}

const round = (value: number) => Math.round(value * 1000) / 1000;
