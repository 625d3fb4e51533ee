import { Inject, Injectable } from '@nestjs/common';
import { RedisLease, SERVICE_REDIS } from '@rma/service-core';
import type { Redis } from 'ioredis';

/** Persisted key prefix of ingest locks: renaming it needs a migration (a lock held during a deploy). */
export const INGEST_LOCK_KEY_PREFIX = 'rag:ingest-lock:';
/**
 * Persisted counter numbering every ingest lock ever taken: chunks carry the number (`ingestFence`), so
 * renaming or deleting it needs a migration (new numbers would look older than stored ones).
 */
export const INGEST_FENCE_KEY = 'rag:ingest-fence';
/** A lock lapses this long after its holder stops renewing it (a process that died). */
const LOCK_TTL_MS = 60_000;

/**
 * One ingest or delete of a document at a time, across replicas: two versions written at once would
 * each delete the other's chunks as "old". The lock is a lease with a fencing token: an ingest that lost
 * it (its process paused past the TTL) stops at its next write, and the token it stored on its chunks
 * keeps it from deleting a newer ingest's version.
 */
@Injectable()
export class DocumentLocks {
  constructor(@Inject(SERVICE_REDIS) private readonly redis: Redis) {}

  /** The lock, or undefined when another ingest of the document holds it. */
  async acquire(documentId: string): Promise<RedisLease | undefined> {
    return RedisLease.acquire(this.redis, {
      key: `${INGEST_LOCK_KEY_PREFIX}${documentId}`,
      fenceKey: INGEST_FENCE_KEY,
      ttlMs: LOCK_TTL_MS,
    });
  }
}
