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
  /** The engine's own gauges (vLLM); undefined for Ollama, which exports none. */
  engine?: EngineLoad;
  /** 429 and 503 answers workers saw since the last tick. */
  overloads: number;
  /** Mean time to first token workers saw since the last tick, if any. */
  ttftMs?: number;
  /** The engine's running count at the previous tick: a plateau means it may be at its maximum. */
  previousRunning?: number;
  /** How many the engine ran the last time its queue overflowed: growth jumps no higher than this plus 8. */
  knownCeiling?: number;
}

export interface Decision {
  limit: number;
  reason: string;
}

/** The engine's waiting queue is kept in this range under backlog: never empty, never long. */
export const TARGET_ENGINE_WAITING = { min: 1, max: 8 } as const;

/**
 * One step of the adaptive limit. With vLLM's gauges, while there is a backlog at our limit: grow by a
 * quarter while the engine queue is empty, probe by a few while it is at most half the target, hold
 * near the top of the target, shrink when it grows past it. The gauges lag, so
 * requests we have in flight that the engine does not show yet count as waiting. Without gauges
 * (Ollama): grow while time to first token stays near its best, shrink when it climbs. Any 429 or 503
 * halves the limit.
 */
export function decideLimit(
  current: number,
  bounds: { min: number; max: number },
  seen: Observation,
  bestTtftMs?: number,
): Decision {
  const clamp = (value: number) => Math.max(bounds.min, Math.min(bounds.max, Math.round(value)));
  if (seen.overloads > 0) return { limit: clamp(current / 2), reason: `backoff: ${seen.overloads} answers of 429/503` };
  // Our active count lags a little behind jobs finishing: 90% of the limit in use counts as using it.
  const saturated = seen.backlog > 0 && seen.inFlight >= current * 0.9;
  if (seen.engine) {
    // Jobs between our queue and the engine (starting, or writing their result) are always a few; only
    // more than that slack counts as requests the lagging gauges do not show yet.
    const slack = Math.ceil(seen.inFlight * 0.05) + 2;
    const unseen = Math.max(0, seen.inFlight - (seen.engine.running + seen.engine.waiting) - slack);
    const waiting = seen.engine.waiting + unseen;
    if (waiting > TARGET_ENGINE_WAITING.max) {
      // What the engine runs plus the top of the target: requests already sent stay until they finish, so
      // cutting the limit step by step each tick would sink it far below what the engine can take.
      const target = seen.engine.running + TARGET_ENGINE_WAITING.max;
      return {
        limit: clamp(Math.min(current, target)),
        reason: `engine queue ${waiting} above ${TARGET_ENGINE_WAITING.max}`,
      };
    }
    if ((seen.engine.kvCacheUsage ?? 0) >= 0.95) return { limit: current, reason: 'KV cache full' };
    if (!saturated) return { limit: current, reason: 'no backlog at the limit' };
    // An empty engine queue: grow by a quarter. A short one (requests arriving between two engine steps
    // wait there briefly even with free sequences): probe upwards gently. Else hold: the target range.
    // Once the engine's running count stops rising it may be at its maximum: probe, do not jump.
    const plateau = seen.previousRunning !== undefined && seen.engine.running <= seen.previousRunning;
    const jump = Math.min(
      current + Math.max(1, Math.ceil(current / 4)),
      seen.knownCeiling === undefined ? Number.POSITIVE_INFINITY : seen.knownCeiling + TARGET_ENGINE_WAITING.max,
    );
    if (waiting === 0 && !plateau && jump > current) {
      return { limit: clamp(jump), reason: 'backlog and the engine has room' };
    }
    if (waiting <= TARGET_ENGINE_WAITING.max / 2) {
      return {
        limit: clamp(current + Math.ceil(TARGET_ENGINE_WAITING.max / 2 - waiting) + 1),
        reason: `backlog and engine queue ${waiting}, probing`,
      };
    }
    return { limit: current, reason: `engine queue ${waiting} in range` };
  }
  if (seen.ttftMs !== undefined && bestTtftMs !== undefined && seen.ttftMs > bestTtftMs * 3) {
    return { limit: clamp(current * 0.75), reason: `time to first token ${Math.round(seen.ttftMs)} ms, 3x its best` };
  }
  if (saturated && (seen.ttftMs === undefined || bestTtftMs === undefined || seen.ttftMs <= bestTtftMs * 1.5)) {
    return { limit: clamp(current + 1), reason: 'backlog and time to first token near its best' };
  }
  return { limit: current, reason: saturated ? 'time to first token rising' : 'no backlog at the limit' };
}
