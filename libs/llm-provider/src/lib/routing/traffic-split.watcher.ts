import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Counter, Gauge, Registry } from 'prom-client';
import type { BackendKind, LlmRole } from '../llm.options';
import { checkShares, TrafficShares, TrafficSplit, TrafficSplitError, TrafficSplitter } from './traffic-split';

/**
 * The split set at run time, shared by every process: a Redis hash, one field per role, its shares as
 * JSON. Persisted: renaming the key needs a migration (or every process falls back to LLM_TRAFFIC_SPLIT).
 */
export const TRAFFIC_SPLIT_KEY = 'rma:llm:traffic-split';

/** Where a role's split comes from: set at run time (Redis), the default (LLM_TRAFFIC_SPLIT), or none. */
export type SplitSource = 'redis' | 'default' | 'none';

export interface TrafficSplitView {
  role: LlmRole;
  shares?: TrafficShares;
  source: SplitSource;
  /** The backends the role has in this process, primary first: the ones a split may name. */
  backends: BackendKind[];
}

export interface TrafficSplitWatcherOptions {
  /** A command connection that fails fast while Redis is away (no offline queue, a command timeout). */
  redis: Redis;
  splitter: TrafficSplitter;
  /** The split until one is set in Redis (LLM_TRAFFIC_SPLIT). */
  defaults: TrafficSplit;
  /** The backends each role has in this process. */
  backendsOf: (role: LlmRole) => BackendKind[];
  /** How often Redis is read; default 1 s. */
  pollMs?: number;
  registry?: Registry;
}

const ROLES: readonly LlmRole[] = ['chat', 'embedding', 'vision'];

/**
 * Keeps this process's split in step with Redis: reads the hash every `pollMs` (one read at a time),
 * and on a failed read keeps the last split it knew, so a Redis outage changes nothing. A role set in
 * Redis overrides its default; a role cleared there goes back to it.
 */
export class TrafficSplitWatcher {
  private readonly logger = new Logger(TrafficSplitWatcher.name);
  private readonly share: Gauge<'role' | 'backend'>;
  private readonly reads: Counter<'outcome'>;
  private timer?: NodeJS.Timeout;
  private reading?: Promise<boolean>;
  private fromRedis: TrafficSplit = {};
  private failing = false;

  constructor(private readonly options: TrafficSplitWatcherOptions) {
    const registers = [options.registry ?? new Registry()];
    this.share = new Gauge({
      name: 'llm_traffic_share_percent',
      help: 'The share of a role’s calls each backend gets in this process (the traffic split in effect).',
      labelNames: ['role', 'backend'],
      registers,
    });
    this.reads = new Counter({
      name: 'llm_traffic_split_reads_total',
      help: 'Reads of the traffic split from Redis by outcome (ok, error: the last known split stays).',
      labelNames: ['outcome'],
      registers,
    });
    this.apply();
  }

  /** Reads now, then every `pollMs`. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.pollMs ?? 1_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One read of Redis (joined if one is under way); false when Redis did not answer or held a bad value. */
  refresh(): Promise<boolean> {
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** Each role's split in effect here and where it comes from. */
  view(): TrafficSplitView[] {
    return ROLES.map((role) => {
      const source: SplitSource = this.fromRedis[role] ? 'redis' : this.options.defaults[role] ? 'default' : 'none';
      return {
        role,
        shares: this.options.splitter.current[role],
        source,
        backends: this.options.backendsOf(role),
      };
    });
  }

  /** Sets a role's shares for every process (checked first: TrafficSplitError), and here at once. */
  async set(role: string, shares: unknown): Promise<TrafficSplitView> {
    const checked = checkShares(role, shares, this.options.backendsOf(role as LlmRole));
    await this.options.redis.hset(TRAFFIC_SPLIT_KEY, role, JSON.stringify(checked));
    this.fromRedis = { ...this.fromRedis, [role]: checked };
    this.apply();
    return this.viewOf(role as LlmRole);
  }

  /** Clears a role's run-time shares for every process: back to its default. */
  async clear(role: string): Promise<TrafficSplitView> {
    checkShares(role, { vllm: 100 }); // the role's name only
    await this.options.redis.hdel(TRAFFIC_SPLIT_KEY, role);
    const { [role as LlmRole]: _cleared, ...rest } = this.fromRedis;
    this.fromRedis = rest;
    this.apply();
    return this.viewOf(role as LlmRole);
  }

  private viewOf(role: LlmRole): TrafficSplitView {
    return this.view().find((entry) => entry.role === role) as TrafficSplitView;
  }

  private async read(): Promise<boolean> {
    let fields: Record<string, string>;
    try {
      fields = await this.options.redis.hgetall(TRAFFIC_SPLIT_KEY);
    } catch (error) {
      this.reads.inc({ outcome: 'error' });
      if (!this.failing)
        this.logger.warn(`Traffic split not read, keeping the last known error="${(error as Error).message}"`);
      this.failing = true;
      return false;
    }
    if (this.failing) this.logger.log('Traffic split read again from Redis');
    this.failing = false;
    this.reads.inc({ outcome: 'ok' });
    const split: TrafficSplit = {};
    let valid = true;
    for (const [role, json] of Object.entries(fields)) {
      try {
        // Another process may have more backends than this one: a share here for one it lacks is dropped
        // by the splitter (it only orders the backends a role has), never sent elsewhere.
        split[role as LlmRole] = checkShares(role, JSON.parse(json));
      } catch (error) {
        valid = false;
        // A bad value (written by hand) changes nothing: the role keeps what it had.
        if (this.fromRedis[role as LlmRole]) split[role as LlmRole] = this.fromRedis[role as LlmRole];
        const reason = error instanceof TrafficSplitError ? error.message : 'not JSON';
        this.logger.warn(`Traffic split in Redis ignored role=${role} error="${reason}"`);
      }
    }
    this.fromRedis = split;
    this.apply();
    return valid;
  }

  private apply(): void {
    const effective: TrafficSplit = { ...this.options.defaults, ...this.fromRedis };
    this.options.splitter.set(effective);
    for (const role of ROLES) {
      for (const backend of this.options.backendsOf(role)) {
        const shares = effective[role];
        this.share.set(
          { role, backend },
          shares ? (shares[backend] ?? 0) : backend === this.options.backendsOf(role)[0] ? 100 : 0,
        );
      }
    }
  }
}
