import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { RedisRecords, SERVICE_REDIS, organisationScoped, ownerOf } from '@rma/service-core';
import type { RecordFields } from '@rma/service-core';
import type { Redis } from 'ioredis';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DocProcessorEnv } from '../config/env.schema';
import type { DocumentRecord, DocumentStatus, PageOutcome, PageReport } from './document-record';
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

/** Record fields stored as JSON (objects) and as numbers; every other field is a string. */
const JSON_FIELDS = new Set(['error', 'handoff']);
const NUMBER_FIELDS = new Set(['pageCount', 'sizeBytes']);

/**
 * Documents' files on disk (one folder each) and their records, pages, markdown and results in Redis,
 * all expiring after DOCUMENT_RETENTION_HOURS: clients' personal data is not kept longer than needed.
 */
@Injectable()
export class DocumentStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DocumentStore.name);
  private readonly root: string;
  private readonly ttlSeconds: number;
  private readonly records: RedisRecords;
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    @Inject(SERVICE_REDIS) private readonly redis: Redis,
    config: ConfigService<DocProcessorEnv, true>,
  ) {
    this.root = resolve(config.get('DOCUMENT_STORAGE_DIR', { infer: true }));
    this.ttlSeconds = config.get('DOCUMENT_RETENTION_HOURS', { infer: true }) * 3600;
    // Records are hashes changed field by field (never read, merged and written back: a page's `processing`
    // could put back a document its finisher had just marked done), kept DOCUMENT_RETENTION_HOURS from upload.
    this.records = new RedisRecords(redis, { prefix: RECORD_KEY, ttlSeconds: this.ttlSeconds, renewTtl: false });
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
    await this.records.create(record.documentId, fieldsOf(record));
    return { created: true };
  }

  async record(documentId: string): Promise<DocumentRecord | null> {
    const fields = await this.records.get(documentId).catch(async (error: Error) => {
      if (!isWrongType(error)) throw error;
      // A record an earlier release wrote (one JSON string), read as it was until a change converts it.
      const json = await this.redis.get(RECORD_KEY + documentId);
      return json ? fieldsOf(JSON.parse(json) as DocumentRecord) : undefined;
    });
    return fields ? recordOf(fields) : null;
  }

  /**
   * Sets the fields of `change` on a record that still exists (a deleted document stays deleted) and,
   * with `onlyFrom`, whose status is one of those (checked in the same step: a late `processing` cannot
   * undo `done`). The record as it is after the change, or null when it was not applied.
   */
  async update(
    documentId: string,
    change: Partial<DocumentRecord>,
    options: { onlyFrom?: readonly DocumentStatus[] } = {},
  ): Promise<DocumentRecord | null> {
    const apply = () => this.records.update(documentId, fieldsOf(change), options);
    const applied = await apply().catch(async (error: Error) => {
      if (!isWrongType(error)) throw error;
      await this.convert(documentId);
      return apply();
    });
    return applied ? this.record(documentId) : null;
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

  /** An earlier release's JSON record as a hash, with the TTL it had (two converting at once write the same). */
  private async convert(documentId: string): Promise<void> {
    const key = RECORD_KEY + documentId;
    const [json, ttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
    if (!json) return;
    const fields = Object.fromEntries(
      Object.entries(fieldsOf(JSON.parse(json) as DocumentRecord)).map(([k, v]) => [k, String(v)]),
    );
    await this.redis
      .multi()
      .del(key)
      .hset(key, fields)
      .pexpire(key, ttl > 0 ? ttl : this.ttlSeconds * 1000)
      .exec();
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

function fieldsOf(record: Partial<DocumentRecord>): RecordFields {
  return Object.fromEntries(
    Object.entries(record)
      .filter(([, value]) => value !== undefined && value !== null)
      .map(([field, value]) => [field, typeof value === 'object' ? JSON.stringify(value) : (value as string | number)]),
  );
}

function recordOf(fields: Record<string, string | number>): DocumentRecord {
  return Object.fromEntries(
    Object.entries(fields).map(([field, value]) => [
      field,
      JSON_FIELDS.has(field) ? JSON.parse(String(value)) : NUMBER_FIELDS.has(field) ? Number(value) : value,
    ]),
  ) as unknown as DocumentRecord;
}

function isWrongType(error: Error): boolean {
  return error.message.startsWith('WRONGTYPE');
}
