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
}

export interface Decision {
  limit: number;
  reason: string;
}

/** The engine's waiting queue is kept in this range under backlog: never empty, never long. */
export const TARGET_ENGINE_WAITING = { min: 1, max: 8 } as const;

/**
 * One step of the adaptive limit. With vLLM's gauges: grow while the engine queue is empty and we are
 * using our whole limit, shrink when it grows past the target, hold in between. The gauges lag, so
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
  const saturated = seen.backlog > 0 && seen.inFlight >= current;
  if (seen.engine) {
    const unseen = Math.max(0, seen.inFlight - (seen.engine.running + seen.engine.waiting));
    const waiting = seen.engine.waiting + unseen;
    if (waiting > TARGET_ENGINE_WAITING.max) {
      return {
        limit: clamp(current - Math.ceil((waiting - TARGET_ENGINE_WAITING.max) / 2)),
        reason: `engine queue ${waiting} above ${TARGET_ENGINE_WAITING.max}`,
      };
    }
    if ((seen.engine.kvCacheUsage ?? 0) >= 0.95) return { limit: current, reason: 'KV cache full' };
    if (saturated && waiting < TARGET_ENGINE_WAITING.min) {
      return { limit: clamp(current + Math.max(1, Math.ceil(current / 4))), reason: 'backlog and the engine has room' };
    }
    return { limit: current, reason: saturated ? `engine queue ${waiting} in range` : 'no backlog at the limit' };
  }
  if (seen.ttftMs !== undefined && bestTtftMs !== undefined && seen.ttftMs > bestTtftMs * 3) {
    return { limit: clamp(current * 0.75), reason: `time to first token ${Math.round(seen.ttftMs)} ms, 3x its best` };
  }
  if (saturated && (seen.ttftMs === undefined || bestTtftMs === undefined || seen.ttftMs <= bestTtftMs * 1.5)) {
    return { limit: clamp(current + 1), reason: 'backlog and time to first token near its best' };
  }
  return { limit: current, reason: saturated ? 'time to first token rising' : 'no backlog at the limit' };
}
