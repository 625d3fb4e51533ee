import { EngineError } from '../engine.errors';
import type { EngineLoad } from '../engine.types';
import type { SimProfile } from './sim-profiles';

/** One request inside the simulated engine. */
export interface SimSequence {
  readonly id: number;
  /** vLLM's priority: lower runs first; used only by the priority policy. */
  readonly priority: number;
  readonly promptTokens: number;
  /** Tokens to generate before it finishes on its own (max_tokens, or where its text ends). */
  readonly targetTokens: number;
  generated: number;
  arrivedAtMs: number;
  admittedAtMs?: number;
  firstTokenAtMs?: number;
  finishedAtMs?: number;
  preemptions: number;
}

/** What one step did, in the scheduler's own (simulated) time: the record tests assert on. */
export interface StepRecord {
  startMs: number;
  durationMs: number;
  running: number;
  admitted: number[];
  /** Prompt (and, after a preemption, already generated) tokens computed for the admitted sequences. */
  prefillTokens: number;
  preempted: number[];
  /** Sequences that received one token in this step, in order. */
  decoded: number[];
  finished: number[];
  kvTokensUsed: number;
}

export type SchedulingPolicy = 'fcfs' | 'priority';

/**
 * vLLM-style continuous batching on a simulated clock. Each `step()` first makes room for every running
 * sequence to grow by one token (preempting the newest while the KV cache would overflow, as vLLM does by
 * recomputation), then admits waiting sequences in policy order while sequences and KV cache allow, then
 * decodes one token for each running sequence. Step time follows the profile's formula.
 */
export class SimScheduler {
  private readonly waitingQueue: SimSequence[] = [];
  private readonly runningBatch: SimSequence[] = [];
  private clock = 0;

  constructor(
    private readonly profile: SimProfile,
    private readonly options: { policy: SchedulingPolicy; maxNumSeqs: number; maxQueue: number },
  ) {}

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
      kvCacheUsage: this.kvTokensUsed() / this.profile.kvCacheTokens,
    };
  }

  submit(sequence: SimSequence): void {
    if (sequence.promptTokens + 1 > this.profile.kvCacheTokens) {
      throw new EngineError(
        'context_too_long',
        `the prompt has ${sequence.promptTokens} tokens; the KV cache holds ${this.profile.kvCacheTokens}`,
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

  /** Removes a sequence wherever it is; its KV cache is freed at once. */
  cancel(id: number): void {
    for (const list of [this.waitingQueue, this.runningBatch]) {
      const index = list.findIndex((sequence) => sequence.id === id);
      if (index >= 0) list.splice(index, 1);
    }
  }

  step(): StepRecord | undefined {
    if (!this.hasWork) return undefined;
    const preempted: number[] = [];
    // Every running sequence needs room for one more token.
    while (
      this.runningBatch.length > 0 &&
      this.kvTokensUsed() + this.runningBatch.length > this.profile.kvCacheTokens
    ) {
      const victim = this.runningBatch.pop() as SimSequence;
      victim.preemptions += 1;
      victim.admittedAtMs = undefined;
      preempted.push(victim.id);
      this.waitingQueue.unshift(victim);
    }
    const admitted: number[] = [];
    let prefillTokens = 0;
    while (this.runningBatch.length < this.options.maxNumSeqs && this.waitingQueue.length > 0) {
      const index = this.nextWaitingIndex();
      const candidate = this.waitingQueue[index];
      // A preempted sequence recomputes its prompt and what it had generated.
      const needed = candidate.promptTokens + candidate.generated;
      if (this.kvTokensUsed() + this.runningBatch.length + needed + 1 > this.profile.kvCacheTokens) break;
      this.waitingQueue.splice(index, 1);
      candidate.admittedAtMs = this.clock;
      this.runningBatch.push(candidate);
      admitted.push(candidate.id);
      prefillTokens += needed;
    }
    const running = this.runningBatch.length;
    const durationMs =
      this.profile.stepBaseMs + this.profile.stepPerSeqMs * running + this.profile.prefillPerTokenMs * prefillTokens;
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
    const kvTokensUsed = this.kvTokensUsed();
    for (const id of finished) this.cancel(id);
    return { startMs, durationMs, running, admitted, prefillTokens, preempted, decoded, finished, kvTokensUsed };
  }

  private kvTokensUsed(): number {
    return this.runningBatch.reduce((sum, sequence) => sum + sequence.promptTokens + sequence.generated, 0);
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
