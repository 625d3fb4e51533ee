import type { Replica } from '../backends/replica';
import { EngineLoad, parseVllmMetrics } from '../engine-load';
import type { RoutingPolicy } from './routing-policy';

interface Reading {
  load: EngineLoad;
  at: number;
}

/** Reads one replica's /metrics; undefined when it does not answer or has no such gauges. */
export type MetricsReader = (replica: Replica, signal: AbortSignal) => Promise<EngineLoad | undefined>;

/** vLLM's /metrics over HTTP (it is not behind --api-key). */
export const readVllmMetrics: MetricsReader = async (replica, signal) => {
  const response = await fetch(`${replica.url.replace(/\/$/, '')}/metrics`, { signal });
  return response.ok ? parseVllmMetrics(await response.text()) : undefined;
};

/**
 * Each vLLM replica's gauges, read every `scrapeIntervalMs` while someone uses them (`touch`), and
 * stopped after `scrapeIdleStopMs` without use, so an idle client sends nothing. A reading older than
 * `staleAfterMs`, or a failed scrape, is no reading: the router falls back to in-flight counts.
 */
export class EngineLoadScraper {
  private readonly readings = new Map<Replica, Reading>();
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private lastTouch = 0;

  constructor(
    private readonly replicas: () => readonly Replica[],
    private readonly policy: Pick<RoutingPolicy, 'scrapeIntervalMs' | 'staleAfterMs' | 'scrapeIdleStopMs'>,
    private readonly read: MetricsReader = readVllmMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  /** The replica's gauges when fresh, with their age. */
  loadOf(replica: Replica): { load: EngineLoad; ageMs: number } | undefined {
    const reading = this.readings.get(replica);
    if (!reading) return undefined;
    const ageMs = this.now() - reading.at;
    return ageMs <= this.policy.staleAfterMs ? { load: reading.load, ageMs } : undefined;
  }

  /**
   * Keeps scraping. When it was stopped, starts it and returns the first round, for a caller that wants
   * readings now; else undefined (the readings are at most one interval old).
   */
  touch(): Promise<void> | undefined {
    this.lastTouch = this.now();
    if (this.timer) return undefined;
    this.scrape();
    this.timer = setInterval(() => {
      if (this.now() - this.lastTouch > this.policy.scrapeIdleStopMs) this.stop();
      else this.scrape();
    }, this.policy.scrapeIntervalMs);
    this.timer.unref();
    return this.round;
  }

  /**
   * A round started now, for a caller that must see what changed since the last one (a limit just
   * raised): one already out may predate the change, so it is waited out and another one sent.
   */
  async refresh(): Promise<void> {
    const firstRound = this.touch();
    if (firstRound) return firstRound;
    if (this.round) await this.round;
    this.scrape();
    return this.round;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round over every vLLM replica; skipped while the last one is still out (a slow /metrics). */
  private scrape(): void {
    if (this.round) return;
    const targets = this.replicas().filter((replica) => replica.kind === 'vllm');
    this.round = Promise.all(
      targets.map(async (replica) => {
        const load = await this.read(replica, AbortSignal.timeout(this.policy.scrapeIntervalMs)).catch(() => undefined);
        if (load) this.readings.set(replica, { load, at: this.now() });
        else this.readings.delete(replica);
      }),
    ).then(() => {
      this.round = undefined;
    });
  }
}
