import { eventually, freePort } from '@rma/testing';
import { Redis } from 'ioredis';
import { ChildProcess, spawn } from 'node:child_process';
import { Registry } from 'prom-client';
import { TrafficSplitter } from './traffic-split';
import { TRAFFIC_SPLIT_KEY, TrafficSplitWatcher } from './traffic-split.watcher';

// A redis-server of this file's own, shared by two watchers as by two processes; frozen (SIGSTOP) and
// killed to show that an outage keeps the last split.
const POLL_MS = 200;
let port: number;
let server: ChildProcess | undefined;
const clients: Redis[] = [];
const watchers: TrafficSplitWatcher[] = [];

async function startRedis(): Promise<void> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
    stdio: 'ignore',
  });
  server = child;
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  await eventually(() =>
    probe.connect().then(
      () => true,
      () => false,
    ),
  );
  probe.disconnect();
}

async function stopRedis(): Promise<void> {
  const child = server;
  server = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGCONT');
  child.kill('SIGKILL');
  await exited;
}

/** A process's client as the service core makes it: fails fast while Redis is away. */
function client(): Redis {
  const redis = new Redis({
    port,
    host: '127.0.0.1',
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 300,
  }).on('error', () => undefined);
  clients.push(redis);
  return redis;
}

async function watching(): Promise<{
  watcher: TrafficSplitWatcher;
  splitter: TrafficSplitter;
  reads: () => Promise<number>;
}> {
  const redis = client();
  await new Promise((resolve) => redis.once('ready', resolve));
  const splitter = new TrafficSplitter();
  const registry = new Registry();
  const watcher = new TrafficSplitWatcher({
    redis,
    splitter,
    defaults: { chat: { ollama: 100 } },
    backendsOf: () => ['ollama', 'vllm'],
    pollMs: POLL_MS,
    registry,
  });
  watchers.push(watcher);
  await watcher.start();
  const reads = async () =>
    (await registry.getSingleMetric('llm_traffic_split_reads_total')?.get())?.values
      .filter((value) => value.labels['outcome'] === 'ok')
      .reduce((sum, value) => sum + value.value, 0) ?? 0;
  return { watcher, splitter, reads };
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
});
afterEach(async () => {
  for (const watcher of watchers.splice(0)) watcher.stop();
  for (const redis of clients.splice(0)) redis.disconnect();
  if (!server) await startRedis();
  const cleaner = client();
  await new Promise((resolve) => cleaner.once('ready', resolve));
  await cleaner.del(TRAFFIC_SPLIT_KEY);
});
afterAll(async () => {
  for (const redis of clients.splice(0)) redis.disconnect();
  await stopRedis();
});

describe(TrafficSplitWatcher.name, () => {
  it('starts from the default, and a change set by one process is seen by another within one read', async () => {
    const [first, second] = [await watching(), await watching()];
    expect(second.splitter.current).toEqual({ chat: { ollama: 100 } });

    await first.watcher.set('chat', { vllm: 10, ollama: 90 });
    const readsBefore = await second.reads();
    await eventually(async () => second.splitter.current.chat?.vllm === 10, 5_000);

    // The first read that began after the write saw it: at most the second read since.
    expect((await second.reads()) - readsBefore).toBeLessThanOrEqual(2);
    expect(first.splitter.current).toEqual({ chat: { vllm: 10, ollama: 90 } });
    expect(second.watcher.view().find((entry) => entry.role === 'chat')).toMatchObject({ source: 'redis' });

    // Cleared: both back to the default.
    await second.watcher.clear('chat');
    await eventually(async () => first.splitter.current.chat?.ollama === 100, 5_000);
  });

  it('takes a split written straight into Redis (redis-cli HSET), and ignores a bad one, keeping the last', async () => {
    const { splitter, watcher } = await watching();
    const redis = client();
    await new Promise((resolve) => redis.once('ready', resolve));

    await redis.hset(TRAFFIC_SPLIT_KEY, 'chat', '{"vllm":25,"ollama":75}');
    await eventually(async () => splitter.current.chat?.vllm === 25, 5_000);
    await redis.hset(TRAFFIC_SPLIT_KEY, 'chat', '{"vllm":25,"ollama":70}');

    expect(await watcher.refresh()).toBe(false);
    expect(splitter.current.chat).toEqual({ vllm: 25, ollama: 75 });
  });

  it('keeps the last known split while Redis is frozen or down, and follows it again once it is back', async () => {
    const { splitter, watcher } = await watching();
    await watcher.set('chat', { vllm: 50, ollama: 50 });

    server?.kill('SIGSTOP');
    expect(await watcher.refresh()).toBe(false);
    expect(splitter.current.chat).toEqual({ vllm: 50, ollama: 50 });
    await stopRedis();
    expect(await watcher.refresh()).toBe(false);
    expect(splitter.current.chat).toEqual({ vllm: 50, ollama: 50 });
    // A set while Redis is down fails (the endpoint answers 503) and changes nothing here either.
    await expect(watcher.set('chat', { vllm: 0, ollama: 100 })).rejects.toThrow();
    expect(splitter.current.chat).toEqual({ vllm: 50, ollama: 50 });

    // Back, empty (a restart without persistence): the default again.
    await startRedis();
    await eventually(async () => splitter.current.chat?.ollama === 100, 10_000);
  });
});
