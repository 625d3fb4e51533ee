import { Redis } from 'ioredis';
import { TokenStreamWriter, TokenEvent } from './token-stream';
import { TokenStreamReader } from './token-stream.reader';
import { flushQueueRedis, queueRedisUrl, settledWithin } from './queue-test-kit';

// A real Redis: the reader's one blocking connection, and a command connection for writes and CLIENT LIST.
let commands: Redis;
let sut: TokenStreamReader;

/** Clients connected to the test Redis now. */
async function clientCount(): Promise<number> {
  const list = (await commands.client('LIST')) as string;
  return list.trim().split('\n').length;
}

async function readAll(jobId: string, signal = new AbortController().signal): Promise<TokenEvent[]> {
  const events: TokenEvent[] = [];
  for await (const event of sut.read(jobId, signal)) events.push(event);
  return events;
}

beforeEach(async () => {
  await flushQueueRedis();
  commands = new Redis(queueRedisUrl());
  sut = new TokenStreamReader(new Redis(queueRedisUrl(), { lazyConnect: true }), commands);
});
afterEach(() => {
  sut.close();
  commands.disconnect();
});

describe(TokenStreamReader.name, () => {
  it("hands each caller its own job's events in order, all over one connection", async () => {
    const before = await clientCount();
    const reads = ['a', 'b', 'c'].map((jobId) => readAll(jobId));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const during = await clientCount();
    for (const jobId of ['a', 'b', 'c']) {
      const writer = new TokenStreamWriter(commands, jobId, 1);
      await writer.write({ type: 'token', text: `${jobId}1` });
      await writer.write({ type: 'token', text: `${jobId}2` });
      await writer.write({ type: 'end', result: `{"job":"${jobId}"}` });
    }

    const [a, b, c] = await Promise.all(reads);

    expect(during).toBe(before + 1);
    expect(a.map((event) => ('text' in event ? event.text : event.type))).toEqual(['a1', 'a2', 'end']);
    expect(b.at(-1)).toEqual({ type: 'end', attempt: 1, result: '{"job":"b"}' });
    expect(c).toHaveLength(3);
  });

  it("wakes the blocked read for a new caller, so the new stream's events do not wait out the block", async () => {
    const idle = new AbortController();
    const waiting = readAll('idle', idle.signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await new TokenStreamWriter(commands, 'ready', 1).write({ type: 'end', result: '{}' });

    // The shared read blocks for a second at a time: without the wake-up this waits it out.
    await expect(settledWithin(readAll('ready'), 900)).resolves.toEqual([{ type: 'end', attempt: 1, result: '{}' }]);
    idle.abort();
    await expect(waiting).resolves.toEqual([]);
  });

  it('reads the stream of a caller who joins while the reader starts in its first read', async () => {
    await new TokenStreamWriter(commands, 'second', 1).write({ type: 'end', result: '{}' });
    const idle = new AbortController();
    const first = readAll('first', idle.signal);

    const second = readAll('second');

    await expect(settledWithin(second, 500)).resolves.toEqual([{ type: 'end', attempt: 1, result: '{}' }]);
    idle.abort();
    await first;
  });

  it("ends a caller's read at once when it aborts, without ending the others'", async () => {
    const leaving = new AbortController();
    const left = readAll('left', leaving.signal);
    const staying = readAll('stays');
    await new Promise((resolve) => setTimeout(resolve, 50));

    leaving.abort();
    await expect(settledWithin(left, 500)).resolves.toEqual([]);
    await new TokenStreamWriter(commands, 'stays', 1).write({ type: 'end', result: '{}' });

    await expect(staying).resolves.toHaveLength(1);
  });
});
