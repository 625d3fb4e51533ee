// Open-loop HTTP load (requests go out on a timer whether or not earlier ones answered, as advisers'
// browsers would) and the figures scenarios report from it.
import { sleep } from './system';

/** One request's outcome: when it left and came back (ms since the scenario's epoch), and its answer. */
export interface Sample {
  startMs: number;
  endMs: number;
  status: number;
  retryAfter?: string | null;
  /** The body, parsed when it is JSON. */
  body?: unknown;
  /** Transport error (no HTTP answer). */
  error?: string;
}

export const latencyOf = (sample: Sample) => sample.endMs - sample.startMs;

/**
 * A batch POST (`/ask/batch`, `/letters/batch`) followed to its end: a large batch answers 202 and runs
 * in the background, so its job is polled (a 503 while Redis is out is polled again) until it is no longer
 * running. The sample ends when the batch does, with the job's body (`results`) and a 200; a job that
 * failed or was not found keeps that status; no end within `boundMs` is status 0.
 */
export async function timedBatch(url: string, payload: unknown, epoch: number, boundMs = 180_000): Promise<Sample> {
  const accepted = await timedPost(url, payload, epoch, boundMs);
  if (accepted.status !== 202) return accepted;
  const jobUrl = `${new URL(url).origin}/${new URL(url).pathname.split('/')[1]}/batch/${(accepted.body as { jobId: string }).jobId}`;
  const giveUpAt = epoch + accepted.startMs + boundMs;
  while (Date.now() < giveUpAt) {
    await sleep(500);
    const polled = await timedPost(jobUrl, undefined, epoch, 10_000, 'GET');
    const status = (polled.body as { status?: string } | undefined)?.status;
    if (polled.status === 200 && status === 'running') continue;
    if (polled.status === 0 || polled.status === 503) continue;
    const ok = polled.status === 200 && status === 'completed';
    return { ...polled, startMs: accepted.startMs, status: ok ? 200 : polled.status === 200 ? 500 : polled.status };
  }
  return { startMs: accepted.startMs, endMs: Date.now() - epoch, status: 0, error: 'batch not ended within the bound' };
}

/** A JSON POST (or a GET) with a client-side bound, timed against `epoch`. */
export async function timedPost(
  url: string,
  payload: unknown,
  epoch: number,
  boundMs = 180_000,
  method: 'POST' | 'GET' = 'POST',
): Promise<Sample> {
  const startMs = Date.now() - epoch;
  try {
    const response = await fetch(url, {
      method,
      ...(method === 'POST' && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) }),
      signal: AbortSignal.timeout(boundMs),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return {
      startMs,
      endMs: Date.now() - epoch,
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body,
    };
  } catch (error) {
    const cause = (error as Error & { cause?: { code?: string } }).cause?.code;
    return { startMs, endMs: Date.now() - epoch, status: 0, error: cause ?? (error as Error).name };
  }
}

/**
 * Sends `perSecond` requests a second until `until()` is true; resolves with every sample once all have
 * answered. `payload(i)` builds the i-th body.
 */
export async function openLoop(options: {
  url: string;
  perSecond: number;
  epoch: number;
  payload: (i: number) => unknown;
  until: () => boolean;
  boundMs?: number;
}): Promise<Sample[]> {
  const pending: Promise<Sample>[] = [];
  const gapMs = 1000 / options.perSecond;
  const begin = Date.now();
  for (let i = 0; !options.until(); i++) {
    pending.push(timedPost(options.url, options.payload(i), options.epoch, options.boundMs));
    const next = begin + (i + 1) * gapMs;
    await sleep(Math.max(0, next - Date.now()));
  }
  return Promise.all(pending);
}

/** The p-th percentile (0-100) of numbers, nearest rank; NaN for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Counts of samples by status (`error` for no answer). */
export function byStatus(samples: Sample[]): string {
  const counts = new Map<string, number>();
  for (const sample of samples) {
    const key = sample.status === 0 ? `no answer (${sample.error})` : String(sample.status);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return (
    [...counts]
      .sort()
      .map(([key, count]) => `${key}: ${count}`)
      .join(', ') || 'none'
  );
}

/** Sum of every series of a Prometheus metric on `baseUrl/metrics` (0 when absent). */
export async function metricSum(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export const ms = (value: number) => (Number.isNaN(value) ? 'n/a' : `${Math.round(value)} ms`);

/** Non-2xx answers grouped by their typed body's `error` and the start of its `message`. */
export function failuresOf(samples: Sample[]): string {
  const counts = new Map<string, number>();
  for (const sample of samples.filter((s) => s.status < 200 || s.status > 299)) {
    const body = sample.body as { error?: string; message?: string } | string | undefined;
    const key =
      typeof body === 'object' && body
        ? `${sample.status} ${body.error ?? ''}: ${String(body.message ?? '').slice(0, 140)}`
        : `${sample.status} ${sample.error ?? String(body ?? '').slice(0, 80)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${count}x ${key}`).join('; ') || 'none';
}
