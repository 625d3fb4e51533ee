import { ReaderProcess } from './reader-process';
import {
  DocxReading,
  docxReadingSchema,
  FileInspection,
  fileInspectionSchema,
  PageReading,
  pageReadingSchema,
  ReaderLimits,
  ReaderRequestBody,
  ReadPageRequest,
} from './reader.protocol';
import { ReadError } from './reading.errors';
import type { ZodType } from 'zod';

export { ReadError } from './reading.errors';
export { readerChildCommand } from './reader-process';
export type { DocxReading, FileInspection, PageReading, ReaderLimits, ReadErrorCode } from './reader.protocol';

/** How many reader children, how big, and how long each request may take. */
export interface ReaderPoolOptions {
  /** Children running at once; each reads one request at a time. */
  size: number;
  /** V8 heap cap per child (--max-old-space-size); WASM and buffers come on top. */
  memoryMb: number;
  /** A child is replaced after this many pages: tesseract's WASM heap never shrinks. */
  pagesPerChild: number;
  inspectTimeoutMs: number;
  /** For one page, or one whole DOCX. */
  pageTimeoutMs: number;
  limits: ReaderLimits;
}

/** A page to read; the pool adds its limits. */
export type PageRequest = Omit<ReadPageRequest, 'type' | 'limits'>;

/** What the pool is doing, for metrics and tests. */
export interface ReaderPoolStats {
  size: number;
  busy: number;
  queued: number;
  /** Children replaced, whether recycled, timed out or crashed. */
  restarts: number;
  pagesRead: number;
}

interface Job {
  body: ReaderRequestBody;
  timeoutMs: number;
  pages: number;
  schema: ZodType;
  resolve: (value: unknown) => void;
  reject: (error: ReadError) => void;
}

interface Slot {
  process: ReaderProcess | undefined;
  busy: boolean;
}

/** A fixed set of reader children, started lazily, fed from one FIFO queue. */
export class ReaderPool {
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private restarts = 0;
  private pagesRead = 0;
  private isClosed = false;

  constructor(private readonly options: ReaderPoolOptions) {
    this.slots = Array.from({ length: Math.max(1, options.size) }, () => ({ process: undefined, busy: false }));
  }

  /** The file's kind (from its bytes) and page count, after the caps that need no decoding. */
  inspect(path: string): Promise<FileInspection> {
    const body: ReaderRequestBody = { type: 'inspect', path, limits: this.options.limits };
    return this.enqueue(body, this.options.inspectTimeoutMs, 0, fileInspectionSchema) as Promise<FileInspection>;
  }

  /** One page as markdown, from the PDF text layer or OCR. */
  readPage(request: PageRequest): Promise<PageReading> {
    const body: ReaderRequestBody = { ...request, type: 'readPage', limits: this.options.limits };
    return this.enqueue(body, this.options.pageTimeoutMs, 1, pageReadingSchema) as Promise<PageReading>;
  }

  /** A whole DOCX as markdown. */
  readDocx(path: string): Promise<DocxReading> {
    const body: ReaderRequestBody = { type: 'readDocx', path, limits: this.options.limits };
    return this.enqueue(body, this.options.pageTimeoutMs, 1, docxReadingSchema) as Promise<DocxReading>;
  }

  /** True once close() was called: every request is refused from then on. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Current load and lifetime counters. */
  stats(): ReaderPoolStats {
    return {
      size: this.slots.length,
      busy: this.slots.filter((s) => s.busy).length,
      queued: this.queue.length,
      restarts: this.restarts,
      pagesRead: this.pagesRead,
    };
  }

  /** Fails queued and running requests with `pool_closed` and kills every child. */
  async close(): Promise<void> {
    this.isClosed = true;
    for (const job of this.queue.splice(0)) job.reject(new ReadError('pool_closed', 'The reader pool is closed.'));
    const exits = this.slots.map((slot) => {
      const child = slot.process;
      slot.process = undefined;
      child?.kill(new ReadError('pool_closed', 'The reader pool is closed.'));
      return child?.whenExited();
    });
    await Promise.all(exits);
  }

  private enqueue(body: ReaderRequestBody, timeoutMs: number, pages: number, schema: ZodType): Promise<unknown> {
    if (this.isClosed) return Promise.reject(new ReadError('pool_closed', 'The reader pool is closed.'));
    return new Promise((resolve, reject) => {
      this.queue.push({ body, timeoutMs, pages, schema, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.isClosed || this.queue.length === 0) return;
      if (slot.busy) continue;
      const job = this.queue.shift() as Job;
      void this.run(slot, job);
    }
  }

  private async run(slot: Slot, job: Job): Promise<void> {
    slot.busy = true;
    if (!slot.process?.alive) slot.process = new ReaderProcess(this.options.memoryMb);
    const child = slot.process;
    try {
      const raw = await child.request(job.body, job.timeoutMs);
      const parsed = job.schema.safeParse(raw);
      if (parsed.success) job.resolve(parsed.data);
      else {
        child.kill();
        job.reject(new ReadError('reader_crashed', 'The reader answered with an invalid result.'));
      }
    } catch (error) {
      job.reject(error instanceof ReadError ? error : new ReadError('reader_crashed', 'The reader failed.'));
    } finally {
      child.pagesRead += job.pages;
      this.pagesRead += job.pages;
      if (!child.alive) this.replace(slot, child);
      else if (child.pagesRead >= this.options.pagesPerChild) {
        this.replace(slot, child);
        void child.retire();
      }
      slot.busy = false;
      this.dispatch();
    }
  }

  /** The slot gets a fresh child on its next job. */
  private replace(slot: Slot, child: ReaderProcess): void {
    if (slot.process !== child) return;
    slot.process = undefined;
    if (!this.isClosed) this.restarts += 1;
  }
}
