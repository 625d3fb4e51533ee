import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';

const PAGE_SECONDS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

/** doc-processor's Prometheus metrics, on the app's registry (its /metrics). */
@Injectable()
export class DocumentMetrics {
  readonly pages: Counter<'method'>;
  readonly pageFailures: Counter<'reason'>;
  readonly ocrSeconds: Histogram;
  readonly visionSeconds: Histogram<'outcome'>;
  readonly classifications: Counter<'type' | 'decided_by' | 'agreed'>;
  readonly documents: Counter<'outcome'>;
  readonly uploadsRefused: Counter<'reason'>;
  readonly handoffs: Counter<'outcome'>;

  constructor(@Inject(Registry) registry: Registry) {
    const registers = [registry];
    this.pages = new Counter({
      name: 'documents_pages_total',
      help: 'Pages read, by the method whose text was kept (text-layer, ocr, vision, docx).',
      labelNames: ['method'],
      registers,
    });
    this.pageFailures = new Counter({
      name: 'documents_page_failures_total',
      help: 'Pages that could not be read, by reason (timeout, out_of_memory, corrupt_file, ...).',
      labelNames: ['reason'],
      registers,
    });
    this.ocrSeconds = new Histogram({
      name: 'documents_ocr_page_seconds',
      help: 'Time to render and OCR one page.',
      buckets: PAGE_SECONDS_BUCKETS,
      registers,
    });
    this.visionSeconds = new Histogram({
      name: 'documents_vision_page_seconds',
      help: "Time of one page's vision-model reading, by outcome (accepted, rejected, failed).",
      labelNames: ['outcome'],
      buckets: PAGE_SECONDS_BUCKETS,
      registers,
    });
    this.classifications = new Counter({
      name: 'documents_classifications_total',
      help: 'Documents classified, by type, what decided (rules, llm, both) and whether rules and model agreed.',
      labelNames: ['type', 'decided_by', 'agreed'],
      registers,
    });
    this.documents = new Counter({
      name: 'documents_processed_total',
      help: 'Documents finished, by outcome (done, failed).',
      labelNames: ['outcome'],
      registers,
    });
    this.uploadsRefused = new Counter({
      name: 'documents_uploads_refused_total',
      help: 'Uploads refused at inspection, by reason (unsupported_type, needs_password, too_many_pages, ...).',
      labelNames: ['reason'],
      registers,
    });
    this.handoffs = new Counter({
      name: 'documents_handoffs_total',
      help: 'Hand-offs of client documents to rag-service, by outcome (indexed, retry, failed).',
      labelNames: ['outcome'],
      registers,
    });
  }
}
