import type { EngineLoad } from '@rma/llm-provider';

/** How the global limit on generations in flight is set. */
export type ConcurrencyMode =
  { mode: 'fixed'; limit: number } | { mode: 'adaptive'; initial: number; min: number; max: number };

/** What the controller sees at one tick. */
export interface Observation {
  /** Jobs waiting in the queue (both classes). */
  backlog: number;
  /** Jobs active across all workers. */
  inFlight: number;
  /** The engines' own gauges summed over the replicas that answered (vLLM); undefined for Ollama. */
  engine?: EngineLoad;
  /** Replicas serving now (default 1); the engines' target queue is per replica. */
  replicas?: number;
  /** Replicas serving at the last tick some did: a change rescales the limit at once. */
  previousReplicas?: number;
  /** 429 and 503 answers workers saw since the last tick. */
  overloads: number;
  /** Mean time to first token workers saw since the last tick, if any. */
  ttftMs?: number;
  /** The engine's running count at the previous tick: a plateau means it may be at its maximum. */
  previousRunning?: number;
  /** How many the engine ran the last time its queue overflowed: growth jumps no higher than this plus 8. */
  knownCeiling?: number;
  /** Slow start is on: the limit doubles per tick while there is a backlog and the engines are idle. */
  slowStart?: boolean;
  /**
   * The gauges are the reading already seen, or older than the last change of the limit (the provider
   * reads /metrics every second, the controller ticks faster): they cannot show its effect, so they hold.
   */
  staleReading?: boolean;
  /** How long after the last change of the limit the gauges were read; undefined: no change yet. */
  readAfterChangeMs?: number;
}

export interface Decision {
  limit: number;
  reason: string;
  /** Whether slow start goes on at the next tick: it ends once an engine queue forms, TTFT rises or a 429/503. */
  slowStart: boolean;
  /**
   * Slow start waits on the engines' next reading (it just doubled, or the reading does not show the
   * last doubling yet): read them again soon, rather than at the provider's next scrape.
   */
  probe?: boolean;
}

/** Each engine's waiting queue is kept in this range under backlog: never empty, never long. */
export const TARGET_ENGINE_WAITING = { min: 1, max: 8 } as const;

/**
 * Requests sent within this long before a reading may not be in it yet (in the worker, on the wire,
 * before the engine's next step): in slow start they are on their way, not a queue, and only the
 * engines' own waiting count says whether one formed.
 */
export const IN_TRANSIT_MS = 1_000;

/**
 * Limited slow start (as TCP's, RFC 3742): past this many per replica a step of slow start adds at most
 * this many per replica rather than doubling. What a doubling sends past the engines' capacity waits in
 * their queues, first come first served, and a person's question behind it: from 512 over three
 * replicas of 256, a doubling to 1,024 queued 256 there, this step 64.
 */
export const SLOW_START_MAX_STEP = 64;

/**
 * One step of the adaptive limit. Replicas coming or going scale it by their count at once. Slow start
 * (as TCP's): while there is a backlog at our limit and the engines are idle, double it (by at most 64
 * per replica: `SLOW_START_MAX_STEP`) per reading of the gauges that shows the last step (the leader
 * reads them again soon after one: `probe`), so a
 * burst is not held back by an additive ramp; it ends when an engine queue forms (or TTFT rises without
 * gauges, or a 429/503), then the steps below. With vLLM's gauges, while there is a backlog at our
 * limit: grow by a quarter while the engine queue is empty, probe by a few while it is at most half the
 * target, hold near the top of the target, shrink when it grows past it. The gauges lag, so requests we
 * have in flight that the engine does not show yet count as waiting (except just after a doubling of
 * slow start: `IN_TRANSIT_MS`). Without gauges (Ollama): grow while
 * time to first token stays near its best, shrink when it climbs. Any 429 or 503 halves the limit.
 */
export function decideLimit(
  current: number,
  bounds: { min: number; max: number },
  seen: Observation,
  bestTtftMs?: number,
): Decision {
  const clamp = (value: number) => Math.max(bounds.min, Math.min(bounds.max, Math.round(value)));
  const slowStart = seen.slowStart === true;
  const replicas = seen.replicas ?? 1;
  if (replicas === 0) return { limit: current, reason: 'no replica serving', slowStart };
  if (seen.previousReplicas && replicas !== seen.previousReplicas) {
    // A replica that returns is idle: slow start fills it; one that left takes its share of the limit.
    return {
      limit: clamp((current * replicas) / seen.previousReplicas),
      reason: `replicas ${seen.previousReplicas} -> ${replicas}`,
      slowStart: replicas > seen.previousReplicas,
    };
  }
  if (seen.overloads > 0) {
    return { limit: clamp(current / 2), reason: `backoff: ${seen.overloads} answers of 429/503`, slowStart: false };
  }
  // Our active count lags a little behind jobs finishing: 90% of the limit in use counts as using it,
  // rounded down, since bulk work alone never has the whole limit: its cap keeps a slot for interactive
  // work (at 8, 7 is all a batch can have, and 7 < 7.2 held slow start at 8 for a whole batch).
  const saturated = seen.backlog > 0 && seen.inFlight >= Math.max(1, Math.floor(current * 0.9));
  if (seen.engine)
    return withGauges(current, clamp, { ...seen, engine: seen.engine }, { replicas, saturated, slowStart });
  const nearBest = seen.ttftMs === undefined || bestTtftMs === undefined || seen.ttftMs <= bestTtftMs * 1.5;
  if (slowStart && saturated && nearBest) {
    return {
      limit: clamp(current * 2),
      reason: 'slow start: backlog and time to first token near its best',
      slowStart,
    };
  }
  if (seen.ttftMs !== undefined && bestTtftMs !== undefined && seen.ttftMs > bestTtftMs * 3) {
    return {
      limit: clamp(current * 0.75),
      reason: `time to first token ${Math.round(seen.ttftMs)} ms, 3x its best`,
      slowStart: false,
    };
  }
  if (saturated && nearBest) {
    return { limit: clamp(current + 1), reason: 'backlog and time to first token near its best', slowStart };
  }
  return {
    limit: current,
    reason: saturated ? 'time to first token rising' : 'no backlog at the limit',
    slowStart: slowStart && nearBest,
  };
}

function withGauges(
  current: number,
  clamp: (value: number) => number,
  seen: Observation & { engine: EngineLoad },
  context: { replicas: number; saturated: boolean; slowStart: boolean },
): Decision {
  const { replicas, saturated } = context;
  if (seen.staleReading) {
    const { slowStart } = context;
    return { limit: current, reason: 'no engine reading since the last change', slowStart, probe: slowStart };
  }
  const targetMax = TARGET_ENGINE_WAITING.max * replicas;
  // Jobs between our queue and the engine (starting, or writing their result) are always a few; only
  // more than that slack counts as requests the lagging gauges do not show yet.
  const slack = Math.ceil(seen.inFlight * 0.05) + 2 * replicas;
  const unseen = Math.max(0, seen.inFlight - (seen.engine.running + seen.engine.waiting) - slack);
  const waiting = seen.engine.waiting + unseen;
  const kvFull = (seen.engine.kvCacheUsage ?? 0) >= 0.95;
  const plateau = seen.previousRunning !== undefined && seen.engine.running <= seen.previousRunning;
  // Slow start lasts until a queue forms: requests waiting while the running count stopped rising, or
  // more than the target. A few waiting while it still rises are requests just sent, between two engine
  // steps (the engine takes them at its next step): a doubling too many is cut back at the next tick.
  // Read just after a doubling (the leader reads again within 100 ms), the gauges may not show all it
  // sent yet: those are on their way. Nor is a running count that has not risen yet, with a few waiting
  // for the engine's next step (every few hundred ms at a full batch), a queue: only the engines' own
  // queue past the target is. A doubling too many is cut back once the window has passed.
  const justDoubled = context.slowStart && (seen.readAfterChangeMs ?? Infinity) < IN_TRANSIT_MS;
  const queueFormed = justDoubled ? seen.engine.waiting > targetMax : waiting > targetMax || (waiting > 0 && plateau);
  const slowStart = context.slowStart && !queueFormed && !kvFull;
  if (slowStart && justDoubled && unseen > 0) {
    return {
      limit: current,
      reason: `slow start: ${unseen} requests on their way to the engines`,
      slowStart,
      probe: true,
    };
  }
  if (slowStart && saturated) {
    const step = Math.min(current, SLOW_START_MAX_STEP * replicas);
    const next = Math.min(current + step, seen.knownCeiling === undefined ? Infinity : seen.knownCeiling + targetMax);
    if (next > current) {
      return { limit: clamp(next), reason: 'slow start: backlog and idle engines', slowStart, probe: true };
    }
  }
  if (waiting > targetMax) {
    // What the engines run plus the top of the target: requests already sent stay until they finish, so
    // cutting the limit step by step each tick would sink it far below what the engines can take.
    const target = seen.engine.running + targetMax;
    return { limit: clamp(Math.min(current, target)), reason: `engine queue ${waiting} above ${targetMax}`, slowStart };
  }
  if (kvFull) return { limit: current, reason: 'KV cache full', slowStart };
  if (!saturated) {
    // In slow start with a backlog, the workers are still taking the slots the last doubling opened.
    return { limit: current, reason: 'no backlog at the limit', slowStart, probe: slowStart && seen.backlog > 0 };
  }
  // An empty engine queue: grow by a quarter. A short one (requests arriving between two engine steps
  // wait there briefly even with free sequences): probe upwards gently. Else hold: the target range.
  // Once the engine's running count stops rising it may be at its maximum: probe, do not jump.
  const jump = Math.min(
    current + Math.max(1, Math.ceil(current / 4)),
    seen.knownCeiling === undefined ? Number.POSITIVE_INFINITY : seen.knownCeiling + targetMax,
  );
  if (waiting === 0 && !plateau && jump > current) {
    return { limit: clamp(jump), reason: 'backlog and the engine has room', slowStart };
  }
  if (waiting <= targetMax / 2) {
    return {
      limit: clamp(current + Math.ceil(targetMax / 2 - waiting) + 1),
      reason: `backlog and engine queue ${waiting}, probing`,
      slowStart,
    };
  }
  return { limit: current, reason: `engine queue ${waiting} in range`, slowStart };
}
