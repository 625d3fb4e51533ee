import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_REDIS } from '@rma/service-core';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

/** Persisted key prefix of ingest locks: renaming it needs a migration (a lock held during a deploy). */
export const INGEST_LOCK_KEY_PREFIX = 'rag:ingest-lock:';
/** A lock lapses this long after its holder stops renewing it (a process that died). */
const LOCK_TTL_MS = 60_000;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface DocumentLock {
  release: () => Promise<void>;
}

/**
 * One ingest of a document at a time, across replicas: two versions written at once would each delete
 * the other's chunks as "old".
 */
@Injectable()
export class DocumentLocks {
  constructor(@Inject(SERVICE_REDIS) private readonly redis: Redis) {}

  /** The lock, or undefined when another ingest of the document holds it. */
  async acquire(documentId: string): Promise<DocumentLock | undefined> {
    const key = `${INGEST_LOCK_KEY_PREFIX}${documentId}`;
    const token = randomUUID();
    if ((await this.redis.set(key, token, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') return undefined;
    const renewal = setInterval(
      () => void this.redis.eval(RENEW, 1, key, token, LOCK_TTL_MS).catch(() => undefined),
      LOCK_TTL_MS / 3,
    );
    renewal.unref();
    return {
      release: async () => {
        clearInterval(renewal);
        await this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
      },
    };
  }
}
