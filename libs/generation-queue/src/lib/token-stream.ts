import type { ChainableCommander, Redis } from 'ioredis';
import { TOKEN_STREAM_PREFIX } from './generation-queue.constants';

/** One event of a job's token stream. `attempt` changes when a job is run again after a crash. */
export type TokenEvent =
  | { type: 'token'; text: string; attempt: number }
  | { type: 'end'; attempt: number; result: string }
  | { type: 'error'; attempt: number; error: string };

type StreamEvent = Omit<TokenEvent, 'attempt'> & Record<string, unknown>;

const STREAM_TTL_SECONDS = 3600;

export const tokenStreamKey = (jobId: string) => `${TOKEN_STREAM_PREFIX}${jobId}`;

/** The worker's side: appends events in order; the stream expires an hour after its last write. */
export class TokenStreamWriter {
  constructor(
    private readonly redis: Redis,
    private readonly jobId: string,
    private readonly attempt: number,
  ) {}

  async write(event: StreamEvent): Promise<void> {
    await this.append(this.redis.multi(), event).exec();
  }

  /** Adds the event's writes to a transaction, so that it is written at once with other keys (a run's outcome). */
  append(transaction: ChainableCommander, event: StreamEvent): ChainableCommander {
    const key = tokenStreamKey(this.jobId);
    const fields = Object.entries({ ...event, attempt: this.attempt }).flatMap(([name, value]) => [
      name,
      String(value),
    ]);
    return transaction.xadd(key, 'MAXLEN', '~', '100000', '*', ...fields).expire(key, STREAM_TTL_SECONDS);
  }
}

/** One stream entry's fields (a flat name, value list) as an event; undefined for an entry of no known type. */
export function parseTokenEntry(flat: string[]): TokenEvent | undefined {
  const fields: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
  const attempt = Number(fields['attempt']);
  if (fields['type'] === 'token') return { type: 'token', text: fields['text'] ?? '', attempt };
  if (fields['type'] === 'end') return { type: 'end', attempt, result: fields['result'] ?? '' };
  if (fields['type'] === 'error') return { type: 'error', attempt, error: fields['error'] ?? '' };
  return undefined;
}
