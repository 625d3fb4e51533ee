import type { Redis } from 'ioredis';

export interface RedisRecordsOptions {
  /** Key prefix of the records. Persisted: renaming it needs a migration (old records vanish). */
  prefix: string;
  /** How long a record is kept after its last change (after its creation with `renewTtl: false`). */
  ttlSeconds: number;
  /** Whether a change starts the TTL again (default); false keeps the one set at creation. */
  renewTtl?: boolean;
}

export type RecordFields = Record<string, string | number>;

// Fields of KEYS[1] set only if it exists and (when ARGV[2] is not empty) its `status` is one of the
// space-separated ARGV[2]; ARGV[1] is the TTL to set again ('' keeps it), ARGV[3..] field, value pairs.
const UPDATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[2] ~= '' then
  local status = redis.call('HGET', KEYS[1], 'status')
  if not status or not string.find(' ' .. ARGV[2] .. ' ', ' ' .. status .. ' ', 1, true) then return 0 end
end
if #ARGV > 2 then redis.call('HSET', KEYS[1], unpack(ARGV, 3)) end
if ARGV[1] ~= '' then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return 1`;

/**
 * Records (one Redis hash each) changed field by field, never read, merged and written back: two writers
 * cannot put back a field the other changed, and a change can require the record's `status` to be one
 * of a set, checked in the same script (a heartbeat cannot turn `completed` back into `running`).
 */
export class RedisRecords {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisRecordsOptions,
  ) {}

  async create(id: string, fields: RecordFields): Promise<void> {
    const key = this.key(id);
    await this.redis.multi().hset(key, stringValues(fields)).expire(key, this.options.ttlSeconds).exec();
  }

  /**
   * Sets `change` on the record if it exists and, when `onlyFrom` is given, its status is one of them.
   * True when it was applied. An empty change only renews the TTL (under the same conditions).
   */
  async update(id: string, change: RecordFields, options: { onlyFrom?: readonly string[] } = {}): Promise<boolean> {
    const pairs = Object.entries(stringValues(change)).flat();
    const statuses = (options.onlyFrom ?? []).join(' ');
    const ttl = this.options.renewTtl === false ? '' : this.options.ttlSeconds;
    const applied = await this.redis.eval(UPDATE, 1, this.key(id), ttl, statuses, ...pairs);
    return Number(applied) === 1;
  }

  /** The record's fields as stored (strings), or undefined when there is none. */
  async get(id: string): Promise<Record<string, string> | undefined> {
    const fields = await this.redis.hgetall(this.key(id));
    return Object.keys(fields).length > 0 ? fields : undefined;
  }

  private key(id: string): string {
    return `${this.options.prefix}${id}`;
  }
}

function stringValues(fields: RecordFields): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([field, value]) => [field, String(value)]));
}
