// Sends the requests of one run and times each, as `vllm bench serve` does: arrivals at a fixed rate
// drawn from a Poisson process (or all at once), at most `concurrency` in flight.
import type { DatasetEntry } from './dataset.ts';
import { requestFor, streamSteps } from './targets.ts';
import type { Target } from './targets.ts';

/** One request as the client saw it. Times in ms; `startMs` from the start of the run. */
export interface RequestRecord {
  index: number;
  startMs: number;
  ok: boolean;
  /** Why it failed: `HTTP <status> [code]`, an error event's status and code, `timeout`, a transport code. */
  error?: string;
  ttftMs: number;
  latencyMs: number;
  /** The gaps between successive pieces of output after the first. */
  itlsMs: number[];
  outputTokens: number;
  promptTokens?: number;
}

/** What sending request `index` came to, timed from its own start. */
export type RequestOutcome = Omit<RequestRecord, 'index' | 'startMs'>;

/** How requests are released: a Poisson rate (Infinity: all at once) and a cap on those in flight. */
export interface LoadShape {
  numRequests: number;
  concurrency?: number;
  requestRate: number;
  seed: number;
}

/** Progress as requests finish. */
export interface RunProgress {
  done: number;
  failed: number;
  total: number;
}

/** A request that failed with `error` after `latencyMs`. */
export const failure = (error: string, latencyMs: number): RequestOutcome => ({
  ok: false,
  error,
  ttftMs: 0,
  latencyMs,
  itlsMs: [],
  outputTokens: 0,
});

/** A failure's short name: a transport error's code (ECONNREFUSED, ...) or the error's name. */
function transportError(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  const name = (error as Error).name;
  return name === 'TimeoutError' ? 'timeout' : (cause ?? name ?? 'error');
}

async function errorOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  let code: unknown;
  try {
    const body = JSON.parse(text) as { code?: unknown; error?: { code?: unknown; type?: unknown } };
    code = typeof body.code === 'string' ? body.code : (body.error?.type ?? undefined);
  } catch {
    // not JSON: the status says enough
  }
  return `HTTP ${response.status}${typeof code === 'string' ? ` ${code}` : ''}`;
}

/** Sends one streamed request and times its pieces of output. */
export async function sendOne(
  target: Target,
  entry: DatasetEntry,
  index: number,
  timeoutMs: number,
): Promise<RequestOutcome> {
  const { path, body } = requestFor(target, entry, index);
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  try {
    const response = await fetch(`${target.urls[index % target.urls.length]}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...target.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok || !response.body) return failure(await errorOf(response), elapsed());
    const arrivals: number[] = [];
    let usage: { promptTokens?: number; completionTokens?: number } = {};
    let done = false;
    for await (const step of streamSteps(target.kind, response.body)) {
      if (step.error) {
        await response.body.cancel().catch(() => undefined);
        return failure(step.error, elapsed());
      }
      if (step.token) arrivals.push(elapsed());
      if (step.usage) usage = { ...usage, ...step.usage };
      if (step.done) done = true;
    }
    const latencyMs = elapsed();
    // An engine's stream may end without a marker (OpenAI's [DONE] is optional); a service's must end with one.
    if (!done && (target.kind === 'ask' || target.kind === 'letters')) return failure('stream ended early', latencyMs);
    if (arrivals.length === 0) return failure('no output', latencyMs);
    return {
      ok: true,
      ttftMs: arrivals[0],
      latencyMs,
      itlsMs: arrivals.slice(1).map((time, i) => time - arrivals[i]),
      // As vllm bench: the server's count of generated tokens, else one per piece of output.
      outputTokens: usage.completionTokens ?? arrivals.length,
      promptTokens: usage.promptTokens,
    };
  } catch (error) {
    return failure(transportError(error), elapsed());
  }
}

/** A seeded generator of uniform numbers in [0, 1) (mulberry32): the same seed gives the same arrivals. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** When each request is sent, in ms from the start: exponential gaps for a Poisson rate, all 0 for Infinity. */
export function arrivalTimes(load: LoadShape): number[] {
  const random = seededRandom(load.seed);
  let at = 0;
  return Array.from({ length: load.numRequests }, (_, i) => {
    if (i > 0 && Number.isFinite(load.requestRate)) at += (-Math.log(1 - random()) / load.requestRate) * 1000;
    return at;
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `load` against `target`; request i carries entries[i % entries.length]. */
export function runLoad(options: {
  target: Target;
  entries: DatasetEntry[];
  load: LoadShape;
  timeoutMs: number;
  onProgress?: (progress: RunProgress) => void;
}): Promise<{ records: RequestRecord[]; durationMs: number }> {
  const { target, entries, timeoutMs } = options;
  return runArrivals({
    ...options,
    send: (index) => sendOne(target, entries[index % entries.length], index, timeoutMs),
  });
}

/**
 * Releases `load`'s requests on their schedule (at most `concurrency` in flight) through `send`, which
 * makes and times one: an HTTP request here, a call through a client library in a benchmark of one.
 */
export async function runArrivals(options: {
  load: LoadShape;
  send: (index: number) => Promise<RequestOutcome>;
  onProgress?: (progress: RunProgress) => void;
}): Promise<{ records: RequestRecord[]; durationMs: number }> {
  const { load, send, onProgress } = options;
  const limit = load.concurrency ?? Infinity;
  const waiting: (() => void)[] = [];
  let inFlight = 0;
  let failed = 0;
  const records: RequestRecord[] = [];
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (const [index, at] of arrivalTimes(load).entries()) {
    const wait = started + at - performance.now();
    if (wait > 0) await sleep(wait);
    if (inFlight >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight += 1;
    const startMs = performance.now() - started;
    pending.push(
      send(index).then((outcome) => {
        records.push({ index, startMs, ...outcome });
        if (!outcome.ok) failed += 1;
        inFlight -= 1;
        waiting.shift()?.();
        onProgress?.({ done: records.length, failed, total: load.numRequests });
      }),
    );
  }
  await Promise.all(pending);
  return { records: records.sort((a, b) => a.index - b.index), durationMs: performance.now() - started };
}
