import { setFaults, StartedServer, startLocalLlm } from '@rma/testing';
import { createServer, request as httpRequest, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LlmClient } from './llm-client';
import { LlmOverloadedError } from './llm.errors';
import type { EmbeddingLimits } from './resilience/embedding-slots';
import { testOptions } from './testing-options';

// A real local-llm whose embeddings an injected delay makes slow (300 ms each), reached through a
// pass-through proxy of this file's that only counts the embedding requests open at once: local-llm's
// /metrics has no gauge of embeddings in flight, and the bound is about what reaches the server.
const DELAY_MS = 300;
let llm: StartedServer;
let proxy: Server;
let proxyUrl: string;
let open = 0;
let peak = 0;

beforeAll(async () => {
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--parallel', '32', '--admin']);
  const upstream = new URL(llm.url);
  proxy = createServer((incoming, outgoing) => {
    const counted = incoming.url === '/v1/embeddings';
    if (counted) peak = Math.max(peak, ++open);
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
        answer.on('end', () => counted && open--);
      },
    );
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
beforeEach(async () => {
  open = 0;
  peak = 0;
  await setFaults(llm.url, [{ kind: 'delay-first-token', target: 'embeddings', delayMs: DELAY_MS }]);
});
afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await llm?.stop();
});

function client(embeddingLimits: EmbeddingLimits) {
  return new LlmClient({
    ...testOptions({ provider: 'vllm', vllmUrl: proxyUrl, ollamaUrl: proxyUrl, retry: { maxAttempts: 1 } }),
    embeddingBatchSize: 2,
    embeddingLimits,
  });
}

describe(`${LlmClient.name} embedding slots against a real server`, () => {
  it('sends at most LLM_EMBEDDING_CONCURRENCY embedding requests at once, and every call is served', async () => {
    const sut = client({ interactive: { concurrency: 3, maxWaiting: 100 }, bulk: { concurrency: 1, maxWaiting: 100 } });

    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 12 }, (_, index) => sut.embed([`question ${index}`])));
    const elapsed = performance.now() - started;

    expect(results.every((result) => result.vectors.length === 1)).toBe(true);
    expect(peak).toBe(3);
    // 12 requests, 3 at a time: four rounds of the delay.
    expect(elapsed).toBeGreaterThanOrEqual(4 * DELAY_MS);
  });

  it('refuses at once the calls past the waiting maximum, before any request goes out', async () => {
    const sut = client({ interactive: { concurrency: 2, maxWaiting: 3 }, bulk: { concurrency: 1, maxWaiting: 1 } });

    const waitedMs: number[] = [];
    const settled = await Promise.allSettled(
      Array.from({ length: 10 }, async (_, index) => {
        const started = performance.now();
        try {
          return await sut.embed([`question ${index}`]);
        } finally {
          waitedMs[index] = performance.now() - started;
        }
      }),
    );

    const refused = settled.filter((result) => result.status === 'rejected');
    expect(settled.filter((result) => result.status === 'fulfilled')).toHaveLength(5);
    expect(refused).toHaveLength(5);
    expect(refused.every((result) => (result as PromiseRejectedResult).reason instanceof LlmOverloadedError)).toBe(
      true,
    );
    // Two run, three wait: the last five are refused without waiting for a slot.
    expect(Math.max(...waitedMs.slice(5))).toBeLessThan(100);
    expect(peak).toBe(2);
  });

  it("answers a question's embedding while bulk calls (an ingest's chunks) fill their slots", async () => {
    const sut = client({ interactive: { concurrency: 2, maxWaiting: 10 }, bulk: { concurrency: 1, maxWaiting: 10 } });
    // Four ingests of 8 chunks each: 16 requests of 2 texts, one at a time, about 4.8 s in all.
    const ingests = Array.from({ length: 4 }, (_, ingest) =>
      sut.embed(
        Array.from({ length: 8 }, (_, chunk) => `ingest ${ingest} chunk ${chunk}`),
        { use: 'bulk' },
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, DELAY_MS));

    const started = performance.now();
    await sut.embed(['Can I get a DRO?']);
    const questionMs = performance.now() - started;

    // Its own request's delay, not a place behind the bulk requests (behind three of them: 1.2 s and more).
    expect(questionMs).toBeLessThan(2 * DELAY_MS);
    expect(peak).toBe(2);
    await Promise.all(ingests);
  });
});
