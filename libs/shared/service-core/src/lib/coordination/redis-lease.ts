import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

export interface RedisLeaseOptions {
  /** The key the holder owns while the lease lasts. Persisted: renaming it needs a migration. */
  key: string;
  /**
   * The counter that numbers the lease's holders: every acquire takes the next number, the fencing token.
   * Default `<key>:fence`. Several leases may share one (tokens stay increasing); it never expires, since a
   * counter that started again would make the guarded data's newer tokens look old.
   */
  fenceKey?: string;
  /** The lease lapses this long after its holder last renewed it (a holder that died). */
  ttlMs: number;
  /** How often the holder renews; default a third of the TTL, so two renewals can fail before it lapses. */
  renewEveryMs?: number;
}

// The value is `<owner>:<token>`: a renewal, release or fenced write is one script that compares it first.
const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. token, 'PX', ARGV[2])
return token`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
// HSET of KEYS[2] only while KEYS[1] holds ARGV[1]; ARGV[2..] are field, value pairs.
const FENCED_HSET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], unpack(ARGV, 2))
return 1`;

/** What a holder does when it finds it no longer holds the lease: stop writing. */
export class LeaseLostError extends Error {
  constructor(key: string) {
    super(`the lease ${key} was lost (it lapsed or another holder took it)`);
    this.name = 'LeaseLostError';
  }
}

/**
 * One holder at a time across processes, as a Redis key with a TTL the holder renews. Acquire, renew,
 * release and fenced writes are each one script, so no step reads and then writes. Each holder gets a
 * fencing token larger than every earlier holder's: data the lease guards carries it, so a holder that
 * lost the lease without knowing (a long pause, a partition) cannot overwrite a newer holder's work.
 * `lost` aborts as soon as a renewal finds the lease gone, or renewals have failed for a whole TTL.
 */
export class RedisLease {
  /** The fencing token: larger than every earlier holder's token on the same fence key. */
  readonly token: number;
  private readonly value: string;
  private readonly lostController = new AbortController();
  private readonly renewal: NodeJS.Timeout;
  private lastRenewedAt = Date.now();
  private released = false;

  private constructor(
    private readonly redis: Redis,
    private readonly options: RedisLeaseOptions,
    token: number,
    owner: string,
  ) {
    this.token = token;
    this.value = `${owner}:${token}`;
    this.renewal = setInterval(() => void this.renew(), options.renewEveryMs ?? Math.floor(options.ttlMs / 3));
    this.renewal.unref();
  }

  /** The lease, or undefined when another holder has it. Fails as the Redis client does when it is down. */
  static async acquire(redis: Redis, options: RedisLeaseOptions): Promise<RedisLease | undefined> {
    const owner = randomUUID();
    const token = Number(
      await redis.eval(ACQUIRE, 2, options.key, options.fenceKey ?? `${options.key}:fence`, owner, options.ttlMs),
    );
    return token > 0 ? new RedisLease(redis, options, token, owner) : undefined;
  }

  /** Aborts when the lease is lost; its reason is a LeaseLostError. */
  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  /** Throws LeaseLostError unless Redis says this holder still has the lease: call it before a guarded write. */
  async assertHeld(): Promise<void> {
    if (this.lost.aborted) throw this.lost.reason;
    if ((await this.redis.get(this.options.key)) !== this.value) {
      this.markLost();
      throw this.lost.reason;
    }
  }

  /** Sets fields of a hash only while this holder has the lease; false (and `lost`) when it does not. */
  async fencedHashSet(key: string, fields: Record<string, string | number>): Promise<boolean> {
    const pairs = Object.entries(fields).flatMap(([field, value]) => [field, String(value)]);
    const written = Number(await this.redis.eval(FENCED_HSET, 2, this.options.key, key, this.value, ...pairs)) === 1;
    if (!written) this.markLost();
    return written;
  }

  /** Renews now; false (and `lost`) when the lease was lost. A Redis error counts only once a TTL has passed. */
  async renew(): Promise<boolean> {
    if (this.released || this.lost.aborted) return false;
    try {
      const renewed = Number(await this.redis.eval(RENEW, 1, this.options.key, this.value, this.options.ttlMs)) === 1;
      if (!renewed) this.markLost();
      else this.lastRenewedAt = Date.now();
      return renewed;
    } catch {
      if (Date.now() - this.lastRenewedAt >= this.options.ttlMs) this.markLost();
      return false;
    }
  }

  /** Gives the lease up (if still held) and stops renewing. A Redis error is left to the TTL. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.renewal);
    await this.redis.eval(RELEASE, 1, this.options.key, this.value).catch(() => undefined);
  }

  private markLost(): void {
    clearInterval(this.renewal);
    if (!this.lost.aborted) this.lostController.abort(new LeaseLostError(this.options.key));
  }
}
