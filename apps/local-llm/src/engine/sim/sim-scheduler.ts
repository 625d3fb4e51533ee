import { EngineError } from '../engine.errors';
import type { EngineLoad } from '../engine.types';
import { BlockTable, KvBlockPool, PrefixCacheStats } from './kv-block-pool';
import type { SimProfile } from './sim-profiles';

/** One request inside the simulated engine. */
export interface SimSequence {
  readonly id: number;
  /** vLLM's priority: lower runs first; used only by the priority policy. */
  readonly priority: number;
  readonly promptTokens: number;
  /** Chain hashes of the prompt's full blocks (see prompt-blocks.ts); none: nothing to share. */
  readonly promptBlockHashes?: readonly string[];
  /** Tokens to generate before it finishes on its own (max_tokens, or where its text ends). */
  readonly targetTokens: number;
  generated: number;
  arrivedAtMs: number;
  admittedAtMs?: number;
  firstTokenAtMs?: number;
  finishedAtMs?: number;
  preemptions: number;
  /** Prompt tokens found in the prefix cache when it was first admitted. */
  cachedTokens?: number;
}

/** What one step did, in the scheduler's own (simulated) time: the record tests assert on. */
export interface StepRecord {
  startMs: number;
  durationMs: number;
  running: number;
  admitted: number[];
  /** Prompt (and, after a preemption, already generated) tokens computed for the admitted sequences. */
  prefillTokens: number;
  /** Prompt tokens the admitted sequences found in the prefix cache instead. */
  cachedTokens: number;
  preempted: number[];
  /** Sequences that received one token in this step, in order. */
  decoded: number[];
  finished: number[];
  kvTokensUsed: number;
  kvBlocksUsed: number;
}

export type SchedulingPolicy = 'fcfs' | 'priority';

export interface SimSchedulerOptions {
  policy: SchedulingPolicy;
  maxNumSeqs: number;
  maxQueue: number;
  /** vLLM's --enable-prefix-caching; on unless false. */
  prefixCaching?: boolean;
  /** 0.5 takes twice the profile's time for every step (a slower GPU); 1 unless set. */
  speed?: number;
}

/**
 * vLLM-style continuous batching on a simulated clock. Each `step()` first makes room for every running
 * sequence to grow by one token (preempting the newest while the KV cache would overflow, as vLLM does by
 * recomputation), then admits waiting sequences in policy order while sequences and KV blocks allow
 * (a cached prompt prefix is not computed again), then decodes one token for each running sequence.
 * Step time follows the profile's formula, divided by the speed.
 */
export class SimScheduler {
  private readonly waitingQueue: SimSequence[] = [];
  private readonly runningBatch: SimSequence[] = [];
  private readonly tables = new Map<number, BlockTable>();
  private readonly blocks: KvBlockPool;
  private readonly speed: number;
  private clock = 0;

  constructor(
    private readonly profile: SimProfile,
    private readonly options: SimSchedulerOptions,
  ) {
    this.speed = options.speed ?? 1;
    this.blocks = new KvBlockPool({
      numBlocks: Math.floor(profile.kvCacheTokens / profile.blockSize),
      blockSize: profile.blockSize,
      prefixCaching: options.prefixCaching ?? true,
    });
  }

  /** The KV cache's shape: what vLLM's cache_config_info reports. */
  get cacheConfig(): { blockSize: number; numBlocks: number; prefixCaching: boolean } {
    return { ...this.blocks.options };
  }

  prefixCacheStats(): PrefixCacheStats {
    return this.blocks.prefixCacheStats();
  }

  /** Blocks holding a cached prefix (held or not), for tests and reports. */
  get cachedBlocks(): number {
    return this.blocks.cachedBlocks;
  }

  get nowMs(): number {
    return this.clock;
  }

  get hasWork(): boolean {
    return this.runningBatch.length > 0 || this.waitingQueue.length > 0;
  }

  /** Lets simulated time pass while idle (requests arrive on the wall clock). */
  advanceIdle(ms: number): void {
    if (!this.hasWork && ms > 0) this.clock += ms;
  }

  load(): EngineLoad {
    return {
      running: this.runningBatch.length,
      waiting: this.waitingQueue.length,
      kvCacheUsage: this.blocks.usage(),
    };
  }

  submit(sequence: SimSequence): void {
    if (this.blocks.blocksFor(sequence.promptTokens + 1) > this.blocks.numBlocks) {
      throw new EngineError(
        'context_too_long',
        `the prompt has ${sequence.promptTokens} tokens; the KV cache holds ${this.blocks.numBlocks * this.blocks.blockSize}`,
      );
    }
    if (this.waitingQueue.length >= this.options.maxQueue) {
      throw new EngineError(
        'queue_full',
        `server busy, please try again. maximum pending requests exceeded (${this.options.maxQueue})`,
      );
    }
    sequence.arrivedAtMs = this.clock;
    this.waitingQueue.push(sequence);
  }

  /** Removes a sequence wherever it is; its KV blocks are freed at once (cached ones stay cached). */
  cancel(id: number): void {
    for (const list of [this.waitingQueue, this.runningBatch]) {
      const index = list.findIndex((sequence) => sequence.id === id);
      if (index >= 0) list.splice(index, 1);
    }
    this.releaseBlocks(id);
  }

  step(): StepRecord | undefined {
    if (!this.hasWork) return undefined;
    const preempted: number[] = [];
    // Every running sequence needs room for one more token: running ones allocate first, as in vLLM.
    while (this.runningBatch.length > 0 && this.growthNeeded() > this.blocks.freeBlocks) {
      const victim = this.runningBatch.pop() as SimSequence;
      this.releaseBlocks(victim.id);
      victim.preemptions += 1;
      victim.admittedAtMs = undefined;
      preempted.push(victim.id);
      this.waitingQueue.unshift(victim);
    }
    for (const sequence of this.runningBatch) {
      const table = this.tables.get(sequence.id) as BlockTable;
      this.blocks.grow(table, this.blocks.growthFor(table, sequence.promptTokens + sequence.generated));
    }
    const admitted: number[] = [];
    let prefillTokens = 0;
    let cachedTokens = 0;
    while (this.runningBatch.length < this.options.maxNumSeqs && this.waitingQueue.length > 0) {
      const index = this.nextWaitingIndex();
      const candidate = this.waitingQueue[index];
      // A preempted sequence recomputes its prompt and what it had generated (less any cached prefix).
      const tokens = candidate.promptTokens + candidate.generated;
      const allocation = this.blocks.admit({
        hashes: candidate.promptBlockHashes ?? [],
        tokens,
        countStats: candidate.preemptions === 0,
      });
      if (!allocation) break;
      this.tables.set(candidate.id, allocation.table);
      this.waitingQueue.splice(index, 1);
      candidate.admittedAtMs = this.clock;
      // vLLM records it once, when the request is first scheduled.
      candidate.cachedTokens ??= allocation.cachedTokens;
      this.runningBatch.push(candidate);
      admitted.push(candidate.id);
      prefillTokens += tokens - allocation.cachedTokens;
      cachedTokens += allocation.cachedTokens;
    }
    const running = this.runningBatch.length;
    const durationMs =
      (this.profile.stepBaseMs + this.profile.stepPerSeqMs * running + this.profile.prefillPerTokenMs * prefillTokens) /
      this.speed;
    const startMs = this.clock;
    this.clock += durationMs;
    const decoded: number[] = [];
    const finished: number[] = [];
    for (const sequence of this.runningBatch) {
      sequence.generated += 1;
      sequence.firstTokenAtMs ??= this.clock;
      decoded.push(sequence.id);
      if (sequence.generated >= sequence.targetTokens) {
        sequence.finishedAtMs = this.clock;
        finished.push(sequence.id);
      }
    }
    const kvTokensUsed = this.runningBatch.reduce((sum, item) => sum + item.promptTokens + item.generated, 0);
    const kvBlocksUsed = this.blocks.usedBlocks;
    for (const id of finished) this.cancel(id);
    return {
      startMs,
      durationMs,
      running,
      admitted,
      prefillTokens,
      cachedTokens,
      preempted,
      decoded,
      finished,
      kvTokensUsed,
      kvBlocksUsed,
    };
  }

  /** Blocks the running sequences must add to write one more token each. */
  private growthNeeded(): number {
    return this.runningBatch.reduce((sum, sequence) => {
      const table = this.tables.get(sequence.id) as BlockTable;
      return sum + this.blocks.growthFor(table, sequence.promptTokens + sequence.generated);
    }, 0);
  }

  private releaseBlocks(id: number): void {
    const table = this.tables.get(id);
    if (!table) return;
    this.blocks.release(table);
    this.tables.delete(id);
  }

  /** FCFS takes the head of the queue; the priority policy the lowest priority value, then the earliest. */
  private nextWaitingIndex(): number {
    if (this.options.policy === 'fcfs') return 0;
    let best = 0;
    for (let i = 1; i < this.waitingQueue.length; i += 1) {
      if (this.waitingQueue[i].priority < this.waitingQueue[best].priority) best = i;
    }
    return best;
  }
}
