import { Decision, decideLimit, TARGET_ENGINE_WAITING } from './concurrency-controller';
import { ReplicaLoad, ReplicaPresence } from './replica-loads';

/** What the leader gathered at one tick for the adaptive limit. */
export interface TickInputs {
  backlog: number;
  inFlight: number;
  /** 429 and 503 answers since the last tick. */
  overloads: number;
  /** Mean time to first token since the last tick, if any. */
  ttftMs?: number;
  /** Every replica of the engine serving chat; undefined when the provider did not answer. */
  replicaLoads?: readonly ReplicaLoad[];
}

/** The controller's memory as the Redis hash holds it (`CONTROLLER_STATE_KEY`): a new leader continues from it. */
export type AdaptiveState = Record<string, string | number>;

/**
 * The adaptive limit's memory from tick to tick (best time to first token, the engine's last running
 * count and ceiling, the replicas, slow start, when the gauges were read and the limit changed) around
 * `decideLimit`'s arithmetic. The governor gathers the inputs, fences the state and applies the limit.
 */
export class AdaptiveLimit {
  private bestTtftMs?: number;
  private lastEngineRunning?: number;
  private engineCeiling?: number;
  /** Replicas serving at the last tick any did. */
  private lastReplicas?: number;
  /** The kind of engine serving chat: another one (a fallback taking over) is learnt afresh. */
  private serving?: string;
  /** A new controller starts in slow start. */
  private slowStart = true;
  private lastReadingAt?: number;
  private lastChangeAt?: number;
  private readonly presence = new ReplicaPresence();

  constructor(private readonly bounds: { min: number; max: number }) {}

  /** Takes over the last leader's memory; an empty hash (the first controller) keeps slow start. */
  restore(state: Record<string, string>): void {
    const number = (field: string) => (state[field] ? Number(state[field]) : undefined);
    this.bestTtftMs = number('bestTtftMs') ?? this.bestTtftMs;
    this.engineCeiling = number('engineCeiling') ?? this.engineCeiling;
    this.lastEngineRunning = number('lastEngineRunning');
    this.lastReplicas = number('lastReplicas') ?? this.lastReplicas;
    if (state['slowStart'] !== undefined) this.slowStart = state['slowStart'] === '1';
    this.serving = state['serving'] || this.serving;
  }

  /** One tick's decision, remembered. */
  step(current: number, inputs: TickInputs): Decision {
    const relearn = this.relearnOnNewEngine(inputs.replicaLoads);
    if (relearn) return relearn;
    const { replicas, engine, ageMs } = inputs.replicaLoads
      ? this.presence.see(inputs.replicaLoads)
      : { replicas: 1, engine: undefined, ageMs: undefined };
    // The provider reads /metrics every second and the tick is shorter: a reading already used, or taken
    // before the last change, cannot show that change.
    const readingAt = Date.now() - (ageMs ?? 0);
    const staleReading =
      engine !== undefined &&
      ageMs !== undefined &&
      ((this.lastReadingAt !== undefined && readingAt <= this.lastReadingAt) ||
        (this.lastChangeAt !== undefined && readingAt < this.lastChangeAt));
    const { ttftMs } = inputs;
    if (ttftMs !== undefined && engine === undefined) this.bestTtftMs = Math.min(this.bestTtftMs ?? ttftMs, ttftMs);
    const decision = decideLimit(
      current,
      this.bounds,
      {
        backlog: inputs.backlog,
        inFlight: inputs.inFlight,
        engine,
        replicas,
        previousReplicas: this.lastReplicas,
        overloads: inputs.overloads,
        ttftMs,
        previousRunning: this.lastEngineRunning,
        knownCeiling: this.engineCeiling,
        slowStart: this.slowStart,
        staleReading,
        readAfterChangeMs:
          engine !== undefined && this.lastChangeAt !== undefined ? readingAt - this.lastChangeAt : undefined,
      },
      this.bestTtftMs,
    );
    this.slowStart = decision.slowStart;
    if (!staleReading) {
      this.lastEngineRunning = engine?.running;
      this.lastReadingAt = readingAt;
    }
    // Another set of replicas has another ceiling: learnt again.
    if (replicas > 0 && this.lastReplicas !== undefined && replicas !== this.lastReplicas) {
      this.engineCeiling = undefined;
    }
    if (replicas > 0) this.lastReplicas = replicas;
    if (engine && engine.waiting > TARGET_ENGINE_WAITING.max * replicas) this.engineCeiling = engine.running;
    return decision;
  }

  /**
   * When another engine serves chat (the primary's breakers opened and the fallback took over, or the
   * primary came back), what was learnt of the last one (its ceiling, its best time to first token, its
   * running count) says nothing of this one: a limit sized for vLLM would flood an Ollama fallback. The
   * limit starts again from its minimum in slow start, which reaches a large engine's size in a few ticks.
   */
  private relearnOnNewEngine(replicaLoads: readonly ReplicaLoad[] | undefined): Decision | undefined {
    const serving = replicaLoads?.[0]?.backend;
    if (serving === undefined) return undefined;
    const previous = this.serving;
    this.serving = serving;
    if (previous === undefined || previous === serving) return undefined;
    this.bestTtftMs = undefined;
    this.engineCeiling = undefined;
    this.lastEngineRunning = undefined;
    this.lastReplicas = undefined;
    this.lastReadingAt = undefined;
    this.slowStart = true;
    return { limit: this.bounds.min, reason: 'another engine serves chat: learning it afresh', slowStart: true };
  }

  /** The limit was applied: readings taken before now do not show it. */
  changed(): void {
    this.lastChangeAt = Date.now();
  }

  /** The memory to write (fenced) with the limit. */
  state(limit: number): AdaptiveState {
    return {
      limit,
      bestTtftMs: this.bestTtftMs ?? '',
      engineCeiling: this.engineCeiling ?? '',
      lastEngineRunning: this.lastEngineRunning ?? '',
      lastReplicas: this.lastReplicas ?? '',
      slowStart: this.slowStart ? 1 : 0,
      serving: this.serving ?? '',
    };
  }
}
