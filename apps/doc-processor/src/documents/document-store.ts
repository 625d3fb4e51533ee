import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SERVICE_REDIS, organisationScoped, ownerOf } from '@rma/service-core';
import type { Redis } from 'ioredis';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DocProcessorEnv } from '../config/env.schema';
import type { DocumentRecord, PageOutcome, PageReport } from './document-record';
import type { DocumentResult } from './document-result';

// Persisted key names: renaming one orphans what a running deployment stored (it expires with the
// retention period, so a rename needs at most that long of both names being read).
const RECORD_KEY = 'rma:documents:record:';
const PAGES_KEY = 'rma:documents:pages:';
const PAGE_TEXT_KEY = 'rma:documents:page-text:';
const MARKDOWN_KEY = 'rma:documents:markdown:';
const RESULT_KEY = 'rma:documents:result:';
/**
 * `rma:documents:sha:<organisation-scoped clientId or ->:<sha256>` → document id: the same file for the same
 * client of one organisation is read once (another organisation's upload of it is its own document).
 */
const SHA_KEY = 'rma:documents:sha:';

const SWEEP_INTERVAL_MS = 10 * 60_000;

/**
 * Documents' files on disk (one folder each) and their records, pages, markdown and results in Redis,
 * all expiring after DOCUMENT_RETENTION_HOURS: clients' personal data is not kept longer than needed.
 */
@Injectable()
export class DocumentStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DocumentStore.name);
  private readonly root: string;
  private readonly ttlSeconds: number;
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    @Inject(SERVICE_REDIS) private readonly redis: Redis,
    config: ConfigService<DocProcessorEnv, true>,
  ) {
    this.root = resolve(config.get('DOCUMENT_STORAGE_DIR', { infer: true }));
    this.ttlSeconds = config.get('DOCUMENT_RETENTION_HOURS', { infer: true }) * 3600;
  }

  async onModuleInit(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    void this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweepTimer);
  }

  /** The document's folder: its original file and page images. */
  folder(documentId: string): string {
    return join(this.root, documentId);
  }

  originalPath(documentId: string): string {
    return join(this.folder(documentId), 'original');
  }

  pageImagePath(documentId: string, pageIndex: number): string {
    return join(this.folder(documentId), `page-${pageIndex + 1}.png`);
  }

  /** Writes an upload into its own folder before anything reads it. */
  async saveOriginal(documentId: string, bytes: Buffer): Promise<string> {
    await mkdir(this.folder(documentId), { recursive: true });
    const path = this.originalPath(documentId);
    await writeFile(path, bytes);
    return path;
  }

  async removeFiles(documentId: string): Promise<void> {
    await rm(this.folder(documentId), { recursive: true, force: true });
  }

  async findBySha(claim: Pick<DocumentRecord, 'sha256' | 'organisation' | 'clientId'>): Promise<string | null> {
    return this.redis.get(this.shaKey(claim));
  }

  /**
   * Creates the record and claims the file's hash; when another upload of the same file claimed it first,
   * returns that document's id and creates nothing.
   */
  async create(record: DocumentRecord): Promise<{ created: true } | { created: false; documentId: string }> {
    const shaKey = this.shaKey(record);
    const claimed = await this.redis.set(shaKey, record.documentId, 'EX', this.ttlSeconds, 'NX');
    if (claimed !== 'OK') {
      const documentId = await this.redis.get(shaKey);
      if (documentId) return { created: false, documentId };
    }
    await this.redis.set(RECORD_KEY + record.documentId, JSON.stringify(record), 'EX', this.ttlSeconds);
    return { created: true };
  }

  async record(documentId: string): Promise<DocumentRecord | null> {
    const json = await this.redis.get(RECORD_KEY + documentId);
    return json ? (JSON.parse(json) as DocumentRecord) : null;
  }

  /** Changes a record that still exists (a deleted document stays deleted); returns the new record. */
  async update(documentId: string, change: Partial<DocumentRecord>): Promise<DocumentRecord | null> {
    const current = await this.record(documentId);
    if (!current) return null;
    const next = { ...current, ...change };
    await this.redis.set(RECORD_KEY + documentId, JSON.stringify(next), 'KEEPTTL');
    return next;
  }

  async savePage(documentId: string, pageIndex: number, outcome: PageOutcome): Promise<void> {
    await this.redis
      .multi()
      .hset(PAGES_KEY + documentId, String(pageIndex), JSON.stringify(outcome.report))
      .expire(PAGES_KEY + documentId, this.ttlSeconds)
      .hset(PAGE_TEXT_KEY + documentId, String(pageIndex), outcome.markdown)
      .expire(PAGE_TEXT_KEY + documentId, this.ttlSeconds)
      .exec();
  }

  /** The pages read so far, in page order. */
  async pages(documentId: string): Promise<PageReport[]> {
    const entries = await this.redis.hgetall(PAGES_KEY + documentId);
    return Object.entries(entries)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, json]) => JSON.parse(json) as PageReport);
  }

  async saveResult(documentId: string, result: { markdown: string; result: DocumentResult }): Promise<void> {
    await this.redis
      .multi()
      .set(MARKDOWN_KEY + documentId, result.markdown, 'EX', this.ttlSeconds)
      .set(RESULT_KEY + documentId, JSON.stringify(result.result), 'EX', this.ttlSeconds)
      .exec();
  }

  async markdown(documentId: string): Promise<string | null> {
    return this.redis.get(MARKDOWN_KEY + documentId);
  }

  async result(documentId: string): Promise<DocumentResult | null> {
    const json = await this.redis.get(RESULT_KEY + documentId);
    return json ? (JSON.parse(json) as DocumentResult) : null;
  }

  /** Removes the record, pages, markdown, result, hash claim and files. */
  async remove(record: DocumentRecord): Promise<void> {
    const id = record.documentId;
    await this.redis.del(RECORD_KEY + id, PAGES_KEY + id, PAGE_TEXT_KEY + id, MARKDOWN_KEY + id, RESULT_KEY + id);
    // Only this document's claim: a re-upload after a delete may already hold the hash.
    const shaKey = this.shaKey(record);
    if ((await this.redis.get(shaKey)) === id) await this.redis.del(shaKey);
    await this.removeFiles(id);
  }

  /** Removes folders whose record has expired (or never came to be: an upload refused at inspection). */
  private async sweep(): Promise<void> {
    try {
      const now = Date.now();
      let removed = 0;
      for (const name of await readdir(this.root)) {
        const folder = join(this.root, name);
        const age = now - (await stat(folder)).mtimeMs;
        // A folder younger than a minute may be an upload being inspected right now.
        if (age < 60_000 || (await this.redis.exists(RECORD_KEY + name))) continue;
        await rm(folder, { recursive: true, force: true });
        removed += 1;
      }
      if (removed) this.logger.log(`Expired document folders removed count=${removed}`);
    } catch (error) {
      this.logger.warn(`Retention sweep failed; it runs again later error="${(error as Error).message}"`);
    }
  }

  // Records without an organisation (stored before tenancy) keep their key: organisationScoped leaves the
  // local organisation's names as they were.
  private shaKey(claim: Pick<DocumentRecord, 'sha256' | 'organisation' | 'clientId'>): string {
    return `${SHA_KEY}${organisationScoped(ownerOf(claim), claim.clientId ?? '-')}:${claim.sha256}`;
  }
}
