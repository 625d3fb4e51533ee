import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SERVICE_REDIS } from '@rma/service-core';
import type { Redis } from 'ioredis';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { RagError } from '../common/rag.errors';
import type { RagServiceEnv } from '../config/env.schema';
import { SUPPORTED_EXTENSIONS, textOfUpload } from './document-text';
import { DocumentsService } from './documents.service';
import { firstHeading } from './manual-text-splitter';

/** Tries again this often while Chroma or the embedding backend is not there yet. */
const RETRY_MS = 5_000;
const ATTEMPTS = 60;
/** Persisted key prefix (per collection) of the manuals load's state: renaming it needs a migration. */
export const MANUALS_STATE_KEY_PREFIX = 'rag:manuals-load:';

/**
 * On start, when the collection is empty, ingests every supported file in MANUALS_DIR (by default the
 * sample manuals shipped in the build's assets) and logs the outcome of each file. Runs after the app
 * listens, so a slow embedding backend never holds up start; retries while its dependencies are down.
 */
@Injectable()
export class ManualsLoader implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ManualsLoader.name);
  private readonly setting: string;
  private readonly stateKey: string;
  private stopped = false;
  /** Resolves when the load finished (or was not needed); for tests and tools. */
  done: Promise<void> = Promise.resolve();

  constructor(
    private readonly documents: DocumentsService,
    @Inject(SERVICE_REDIS) private readonly redis: Redis,
    config: ConfigService<RagServiceEnv, true>,
  ) {
    this.setting = config.get('MANUALS_DIR');
    this.stateKey = `${MANUALS_STATE_KEY_PREFIX}${config.get('CHROMA_COLLECTION')}`;
  }

  onApplicationBootstrap(): void {
    if (this.setting === 'off') return;
    this.done = this.loadWhenEmpty().catch((error: unknown) =>
      this.logger.error(`Manuals not loaded error="${(error as Error).message}"`),
    );
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  private async loadWhenEmpty(): Promise<void> {
    const folder = this.folder();
    // Decided once: a later retry must not stop half way because the first files made it non-empty. A load
    // that a crash interrupted (state still "loading") is finished on the next start; ingest is idempotent.
    const empty = await this.retrying('check the collection', () => this.documents.isEmpty());
    const interrupted = (await this.redis.get(this.stateKey)) === 'loading';
    if (!empty && !interrupted) return;
    await this.redis.set(this.stateKey, 'loading');
    const files = (await readdir(folder))
      .filter((file) => (SUPPORTED_EXTENSIONS as readonly string[]).includes(extname(file).toLowerCase()))
      .sort();
    this.logger.log(`Loading manuals folder=${folder} files=${files.length}`);
    let failed = 0;
    for (const file of files) {
      const buffer = await readFile(join(folder, file));
      let read: Awaited<ReturnType<typeof textOfUpload>>;
      try {
        read = await textOfUpload({ originalname: file, mimetype: '', size: buffer.length, buffer });
      } catch (error) {
        // An unreadable file is reported and skipped.
        failed += 1;
        this.logger.error(`Manual not loaded file=${file} error="${(error as Error).message}"`);
        continue;
      }
      const title = firstHeading(read.text) ?? file.replace(/\.[^.]+$/, '');
      // Chroma or the embedding backend being down is waited out: idempotent ingest makes retries safe.
      try {
        const outcome = await this.retrying(`load ${file}`, () =>
          this.documents.ingest(
            { text: read.text, title, source: `manuals/${file}`, format: read.format, metadata: {} },
            { inline: true },
          ),
        );
        this.logger.log(
          `Manual loaded file=${file} status=${outcome.status} documentId=${outcome.documentId} chunks=${outcome.chunks}`,
        );
      } catch (error) {
        failed += 1;
        this.logger.error(`Manual not loaded file=${file} error="${(error as Error).message}"`);
      }
    }
    await this.redis.set(this.stateKey, 'done');
    this.logger.log(`Manuals loaded folder=${folder} files=${files.length} failed=${failed}`);
  }

  private async retrying<T>(what: string, action: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await action();
      } catch (error) {
        const refused = error instanceof RagError && error.code !== 'vector_store_unavailable';
        if (refused || attempt >= ATTEMPTS || this.stopped) throw error;
        this.logger.warn(
          `Manuals waiting for dependencies what="${what}" attempt=${attempt} error="${(error as Error).message}"`,
        );
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
      }
    }
  }

  private folder(): string {
    if (this.setting) return resolve(this.setting);
    // The sample manuals are copied into the build next to main.js (src/assets/manuals in the source).
    const bundled = join(dirname(require.main?.filename ?? process.argv[1] ?? '.'), 'assets', 'manuals');
    if (!existsSync(bundled)) throw new Error(`no manuals at ${bundled}: set MANUALS_DIR, or MANUALS_DIR=off`);
    return bundled;
  }
}
