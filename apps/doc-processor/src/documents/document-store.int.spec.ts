import { ConfigService } from '@nestjs/config';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentRecord } from './document-record';
import { DocumentStore } from './document-store';

// Real Redis: the records' changes race as they would between a page reader, the finisher and the hand-off.
const redisUrl = process.env['RMA_TEST_REDIS_URL'] as string;

function recordOf(documentId: string): DocumentRecord {
  return {
    documentId,
    status: 'queued',
    kind: 'pdf',
    mime: 'application/pdf',
    pageCount: 3,
    sizeBytes: 2048,
    sha256: randomUUID().replace(/-/g, ''),
    organisation: 'org-a',
    clientId: 'cl-1',
    workClass: 'bulk',
    createdAt: '2026-11-29T10:00:00.000Z',
  };
}

describe(DocumentStore.name, () => {
  let redis: Redis;
  let store: DocumentStore;
  const ids: string[] = [];
  const newId = () => {
    ids.push(`doc-${randomUUID()}`);
    return ids[ids.length - 1];
  };

  beforeAll(() => {
    redis = new Redis(`${redisUrl}/9`);
    store = new DocumentStore(
      redis,
      new ConfigService({ DOCUMENT_STORAGE_DIR: join(tmpdir(), 'rma-store-spec'), DOCUMENT_RETENTION_HOURS: 1 }),
    );
  });
  afterAll(async () => {
    for (const id of ids) {
      const record = await store.record(id);
      if (record) await store.remove(record);
    }
    await redis.quit();
  });

  it('keeps both of two changes made at once (the finisher and a hand-off update): nothing is read, merged and written back', async () => {
    const id = newId();
    await store.create(recordOf(id));

    // Both changes are sent together, as two processes would: the old store read the record twice, then
    // wrote it back twice, each without the other's field.
    await Promise.all([
      store.update(id, { status: 'done', finishedAt: '2026-11-29T10:01:00.000Z' }),
      store.update(id, { handoff: { status: 'pending', attempts: 0 } }),
    ]);

    expect(await store.record(id)).toMatchObject({
      status: 'done',
      finishedAt: '2026-11-29T10:01:00.000Z',
      handoff: { status: 'pending', attempts: 0 },
      pageCount: 3,
    });
  });

  it('changes status only from the statuses named: a late `processing` does not undo `done`', async () => {
    const id = newId();
    await store.create(recordOf(id));
    await store.update(id, { status: 'done', handoff: { status: 'pending', attempts: 0 } }, { onlyFrom: ['queued'] });

    const late = await store.update(id, { status: 'processing' }, { onlyFrom: ['queued'] });
    const again = await store.update(id, { status: 'failed' }, { onlyFrom: ['queued', 'processing'] });

    expect(late).toBeNull();
    expect(again).toBeNull();
    expect(await store.record(id)).toMatchObject({ status: 'done', handoff: { status: 'pending' } });
  });

  it('leaves a deleted document deleted', async () => {
    const id = newId();
    await store.create(recordOf(id));
    await store.remove((await store.record(id)) as DocumentRecord);

    expect(await store.update(id, { status: 'processing' })).toBeNull();
    expect(await store.record(id)).toBeNull();
  });

  it("reads an earlier release's JSON record, and converts it on its first change, TTL kept", async () => {
    const id = newId();
    const old = recordOf(id);
    await redis.set(`rma:documents:record:${id}`, JSON.stringify(old), 'EX', 600);

    expect(await store.record(id)).toEqual(old);
    const changed = await store.update(id, { status: 'processing' }, { onlyFrom: ['queued'] });

    expect(changed).toEqual({ ...old, status: 'processing' });
    expect(await redis.type(`rma:documents:record:${id}`)).toBe('hash');
    expect(await redis.ttl(`rma:documents:record:${id}`)).toBeGreaterThan(590);
    expect(await redis.ttl(`rma:documents:record:${id}`)).toBeLessThanOrEqual(600);
  });
});
