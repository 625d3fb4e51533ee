// Reads the generation queue's job records straight from Redis (BullMQ's hashes and sorted sets under
// the queue's persisted prefix), so that a scenario counts what Redis holds, not what the queue claims.
// The chaos suite sends questions carrying a marker ("chaos job 17:") and finds each one's job by it.
import { Redis } from 'ioredis';

/** `rma` (QUEUE_PREFIX) + `rma-generation` (GENERATION_QUEUE_NAME), as @rma/generation-queue persists them. */
const JOB_KEY_PREFIX = 'rma:rma-generation:';
/** BULK_PARKED_KEY and BULK_ACTIVE_KEY of @rma/generation-queue. */
const BULK_SETS = { 'bulk-parked': 'rma:generation:bulk-parked', 'bulk-active': 'rma:generation:bulk-active' };

export interface MarkedJobs {
  /** Markers of jobs in each state. */
  completed: Set<number>;
  failed: Map<number, string>;
  /** Every marked job Redis holds, whatever its state. */
  all: Set<number>;
  /** Where each marked job neither completed nor failed sits (BullMQ's lists and sets, the bulk slots'). */
  unfinished: Map<number, string>;
  /** Completed jobs BullMQ found stalled (their worker died holding them) and ran again: `stc` > 0. */
  stalled: number;
  /**
   * Of those, the jobs completed with the result an earlier run recorded (its worker killed after the LLM
   * call ended): the result's run number (`attempts`) is lower than the last run's (`stc` + 1).
   */
  replayed: number;
}

/** The jobs whose payload carries `<label> <n>:`, by state. */
export async function markedJobs(redisUrl: string, label: string): Promise<MarkedJobs> {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 5_000 });
  const pattern = new RegExp(`${label} (\\d+):`);
  const markerOf = async (id: string) => {
    const data = await client.hget(`${JOB_KEY_PREFIX}${id}`, 'data');
    const match = data ? pattern.exec(data) : null;
    return match ? Number(match[1]) : undefined;
  };
  try {
    const result: MarkedJobs = {
      completed: new Set(),
      failed: new Map(),
      all: new Set(),
      unfinished: new Map(),
      stalled: 0,
      replayed: 0,
    };
    for (const id of await client.zrange(`${JOB_KEY_PREFIX}completed`, '0', '-1')) {
      const marker = await markerOf(id);
      if (marker === undefined) continue;
      result.completed.add(marker);
      const [stc, returned] = await client.hmget(`${JOB_KEY_PREFIX}${id}`, 'stc', 'returnvalue');
      if (Number(stc ?? 0) === 0) continue;
      result.stalled++;
      const run = (JSON.parse(returned ?? '{}') as { attempts?: number }).attempts;
      if (run !== undefined && run < Number(stc) + 1) result.replayed++;
    }
    for (const id of await client.zrange(`${JOB_KEY_PREFIX}failed`, '0', '-1')) {
      const marker = await markerOf(id);
      const reason = (await client.hget(`${JOB_KEY_PREFIX}${id}`, 'failedReason')) ?? 'unknown';
      if (marker !== undefined) result.failed.set(marker, reason.slice(0, 160));
    }
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${JOB_KEY_PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const id = key.slice(JOB_KEY_PREFIX.length);
        if (id.includes(':')) continue; // a job's side keys (lock, logs) and the queue's own
        if ((await client.type(key)) !== 'hash') continue;
        const marker = await markerOf(id);
        if (marker === undefined) continue;
        result.all.add(marker);
        if (!result.completed.has(marker) && !result.failed.has(marker)) {
          result.unfinished.set(marker, await whereIs(client, id));
        }
      }
    } while (cursor !== '0');
    return result;
  } finally {
    client.disconnect();
  }
}

/**
 * Which of BullMQ's lists and sorted sets hold a job (and the bulk slots' parked and active sets of
 * @rma/generation-queue): a job lost says where it was left.
 */
async function whereIs(client: Redis, id: string): Promise<string> {
  const places: string[] = [];
  for (const list of ['wait', 'active', 'paused']) {
    if ((await client.lpos(`${JOB_KEY_PREFIX}${list}`, id)) !== null) places.push(list);
  }
  for (const set of ['delayed', 'prioritized', 'waiting-children']) {
    if ((await client.zscore(`${JOB_KEY_PREFIX}${set}`, id)) !== null) places.push(set);
  }
  for (const [name, key] of Object.entries(BULK_SETS)) {
    if ((await client.zscore(key, id)) !== null) places.push(name);
  }
  return places.join('+') || 'nowhere';
}

/** Failure reasons and how often each came. */
export function reasonsOf(failed: Map<number, string>): string {
  const counts = new Map<string, number>();
  for (const reason of failed.values()) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => `${count}x "${reason}"`).join(', ');
}
