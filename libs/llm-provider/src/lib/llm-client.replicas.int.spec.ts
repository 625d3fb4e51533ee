import { eventually, StartedServer, startLocalLlm } from '@rma/testing';
import { Registry } from 'prom-client';
import { LlmClient } from './llm-client';
import type { ChatRequest } from './llm-client.types';
import { testOptions } from './testing-options';

// Several real local-llm processes (simulated vLLM engines, ten times slower than the fast test profile so
// that calls overlap) as the replicas of one vLLM backend, over HTTP. What each replica served is read
// from its own /metrics, not from the client.
const VLLM_MODEL = 'meta-llama/Llama-3.2-3B-Instruct';
const REPLICA_FLAGS = ['--engine', 'sim', '--profile', 'fast', '--time-scale', '10'];

async function startReplicas(count: number): Promise<StartedServer[]> {
  const servers: StartedServer[] = [];
  for (let index = 0; index < count; index += 1) servers.push(await startLocalLlm(REPLICA_FLAGS));
  return servers;
}

/** A counter or gauge of a server's /metrics, summed over its series. */
async function serverMetric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

const served = (servers: StartedServer[]) =>
  Promise.all(servers.map((server) => serverMetric(server.url, 'vllm:request_success_total')));

function client(servers: StartedServer[], routing: Parameters<typeof testOptions>[0]['routing'] = {}) {
  const registry = new Registry();
  const sut = new LlmClient({
    ...testOptions({
      provider: 'vllm',
      vllmUrl: servers.map((server) => server.url),
      ollamaUrl: servers[0].url,
      routing: { scrapeIntervalMs: 200, ...routing },
      timeouts: { totalMs: 20_000 },
    }),
    registry,
  });
  const metric = async (name: string, labels: Record<string, string>) =>
    ((await registry.getSingleMetric(name)?.get())?.values ?? [])
      .filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted))
      .reduce((sum, value) => sum + value.value, 0);
  const decisions = (labels: Record<string, string>) => metric('llm_route_decisions_total', labels);
  return { sut, decisions, metric };
}

const question = (index: number): ChatRequest => ({
  messages: [{ role: 'user', content: `Question ${index}: what does a creditor need to stop interest?` }],
  maxTokens: 8,
});

describe(`${LlmClient.name} across replicas`, () => {
  let servers: StartedServer[];

  beforeAll(async () => {
    servers = await startReplicas(3);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  it('spreads a burst evenly over idle replicas', async () => {
    const { sut } = client(servers);
    const before = await served(servers);

    await Promise.all(Array.from({ length: 30 }, (_, index) => sut.chat(question(index))));

    const after = await served(servers);
    expect(after.map((count, index) => count - before[index])).toEqual([10, 10, 10]);
    sut.close();
  });

  it("steers away from a replica whose engine is busy with another client's requests", async () => {
    const { sut, decisions } = client(servers);
    // Another service's load on replica 0: twelve requests kept going (8 run, 4 wait in the fast profile).
    let hogging = true;
    const hogs = Array.from({ length: 12 }, async () => {
      while (hogging) {
        await fetch(`${servers[0].url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ model: VLLM_MODEL, messages: question(0).messages, max_tokens: 200 }),
        }).then((response) => response.text());
      }
    });
    try {
      await eventually(async () => ((await sut.replicaLoads())[0].load?.running ?? 0) >= 6, 10_000);

      await Promise.all(Array.from({ length: 6 }, (_, index) => sut.chat(question(index))));

      expect(await decisions({ replica: servers[0].url })).toBe(0);
      expect(await decisions({ replica: servers[1].url })).toBe(3);
      expect(await decisions({ replica: servers[2].url })).toBe(3);
    } finally {
      hogging = false;
      await Promise.all(hogs);
      sut.close();
    }
  });

  it("keeps requests that share a system prompt on one replica, where the engine's prefix cache hits", async () => {
    const { sut, decisions } = client(servers);
    const system =
      'You write letters for a debt advice charity to the creditors of a client. Use plain English, ' +
      'state the client circumstances, ask the creditor to hold action for thirty days and to freeze ' +
      'interest and charges, and never admit liability for a debt the client disputes. ';
    const hitsBefore = await Promise.all(
      servers.map((server) => serverMetric(server.url, 'vllm:prefix_cache_hits_total')),
    );
    const before = await served(servers);

    for (let index = 0; index < 5; index += 1) {
      await sut.chat({
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: `Case notes ${index}: owes ${index * 100} pounds to a catalogue.` },
        ],
        maxTokens: 4,
      });
    }

    const after = await served(servers);
    const hits = await Promise.all(servers.map((server) => serverMetric(server.url, 'vllm:prefix_cache_hits_total')));
    const counts = after.map((count, index) => count - before[index]);
    const home = counts.indexOf(5);
    expect(counts.filter((count) => count === 0)).toHaveLength(2);
    expect(await decisions({ reason: 'affinity' })).toBe(4);
    expect(hits[home] - hitsBefore[home]).toBeGreaterThan(0);
    sut.close();
  });
});

describe(`${LlmClient.name} when a replica is killed mid-run`, () => {
  let servers: StartedServer[];

  beforeAll(async () => {
    servers = await startReplicas(3);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  it('loses no request: calls on the dead replica move to the others, whose breakers stay closed', async () => {
    const { sut, decisions, metric } = client(servers);
    const total = 60;
    let next = 0;
    let done = 0;
    const results: PromiseSettledResult<unknown>[] = [];
    const worker = async () => {
      while (next < total) {
        const index = next++;
        results.push(...(await Promise.allSettled([sut.chat(question(index))])));
        done += 1;
        if (done === 12) process.kill(servers[0].pid, 'SIGKILL');
      }
    };

    await Promise.all(Array.from({ length: 6 }, worker));

    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(results).toHaveLength(total);
    expect(await decisions({ reason: 'failover' })).toBeGreaterThan(0);
    const loads = await sut.replicaLoads();
    expect(loads.map((replica) => [replica.url, replica.up])).toEqual([
      [servers[0].url, false],
      [servers[1].url, true],
      [servers[2].url, true],
    ]);
    expect((await sut.health()).map((replica) => replica.up)).toEqual([false, true, true]);
    expect(await metric('llm_replica_healthy', { replica: servers[0].url })).toBe(0);
    expect(await metric('llm_replica_healthy', { replica: servers[1].url })).toBe(1);
    expect(await metric('llm_replica_in_flight', {})).toBe(0);
    sut.close();
  });

  it('moves a stream to another replica when the first refuses it, before any token', async () => {
    const { sut, decisions } = client([{ url: 'http://127.0.0.1:1' } as StartedServer, servers[1]]);

    const texts: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      let text = '';
      for await (const event of sut.stream(question(index))) {
        if (event.type === 'token') text += event.text;
        else expect(event.backend.url).toBe(servers[1].url);
      }
      texts.push(text);
    }

    expect(texts.every((text) => text.length > 0)).toBe(true);
    expect(await decisions({ replica: servers[1].url, reason: 'failover' })).toBeGreaterThan(0);
    sut.close();
  });
});
