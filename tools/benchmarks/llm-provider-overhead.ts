// What @rma/llm-provider adds to a call above LangChain's own model on the same server, in the same run:
// pairs of (a ChatOpenAICompletions built once, invoke; then LlmClient.chat) alternate, and the overhead
// is each pair's difference. Also against a bare fetch, and streamed chat per chunk. With one server,
// and with several (the client routing over them, as LLM_VLLM_URLS; LangChain's model on each in turn).
// Writes benchmarks/llm-provider-overhead.md.
//
//   node tools/scripts/ts-run.cjs tools/benchmarks/llm-provider-overhead.ts [--pairs 300] [--max-tokens 8]
//        [--replicas 1,3]
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ChatOpenAICompletions } from '@langchain/openai';
import { startLocalLlm, StartedServer } from '@rma/testing';
import { LlmClient } from '../../libs/llm-provider/src/lib/llm-client';
// Percentiles as tools/bench reports them (interpolated between ranks, as numpy and vllm bench do).
import { percentile } from '../bench/src/metrics.ts';

const { values: flags } = parseArgs({
  options: {
    pairs: { type: 'string', default: '300' },
    'max-tokens': { type: 'string', default: '8' },
    replicas: { type: 'string', default: '1,3' },
  },
});
const pairs = Number(flags.pairs);
const maxTokens = Number(flags['max-tokens']);
const replicaCounts = flags.replicas.split(',').map(Number);
const root = join(__dirname, '..', '..');
const messages = [{ role: 'user' as const, content: 'What is a Debt Relief Order?' }];

function providerClient(urls: string[]): LlmClient {
  return new LlmClient({
    backends: { vllm: { urls }, ollama: { urls } },
    roles: Object.fromEntries(
      (['chat', 'embedding', 'vision'] as const).map((role) => [
        role,
        {
          provider: 'vllm',
          model: 'llama3.2',
          timeouts: { connectMs: 2_000, firstTokenMs: 10_000, idleMs: 10_000, totalMs: 30_000 },
        },
      ]),
    ) as never,
    modelNames: {},
    retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 },
    breaker: { failureThreshold: 5, failureRate: 0.9, windowSize: 20, minCalls: 20, openMs: 1_000 },
    embeddingBatchSize: 64,
  });
}

/** LangChain's model as an application without the provider would hold it: built once per server. */
const langChainModel = (url: string) =>
  new ChatOpenAICompletions({
    model: 'llama3.2',
    apiKey: 'not-needed',
    configuration: { baseURL: `${url}/v1` },
    maxRetries: 0,
    streamUsage: true,
    maxTokens,
  });

interface Overheads {
  directMs: number[];
  invokeMs: number[];
  aboveInvoke: number[];
  aboveFetch: number[];
  perChunkAboveStream: number[];
}

async function measure(urls: string[]): Promise<Overheads> {
  const client = providerClient(urls);
  const models = urls.map(langChainModel);
  const body = JSON.stringify({ model: 'llama3.2', messages, max_tokens: maxTokens, stream: false });
  const timed = async (call: () => Promise<unknown>) => {
    const started = performance.now();
    await call();
    return performance.now() - started;
  };
  const direct = (url: string) =>
    timed(async () => {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
      const text = await response.text();
      if (!response.ok) throw new Error(text);
    });
  const invoke = (i: number) => timed(() => models[i % models.length].invoke(messages));
  const viaProvider = () => timed(() => client.chat({ messages, maxTokens }));
  const streamed = async (i: number) => {
    const started = performance.now();
    let chunks = 0;
    for await (const chunk of await models[i % models.length].stream(messages)) if (chunk.content) chunks += 1;
    return { ms: performance.now() - started, chunks };
  };
  const streamedViaProvider = async () => {
    const started = performance.now();
    let chunks = 0;
    for await (const event of client.stream({ messages, maxTokens })) if (event.type === 'token') chunks += 1;
    return { ms: performance.now() - started, chunks };
  };

  // Warm-up: connections, JIT, the first model construction, the router's first /metrics readings.
  for (let i = 0; i < 30; i += 1) {
    await direct(urls[i % urls.length]);
    await invoke(i);
    await viaProvider();
    await streamed(i);
    await streamedViaProvider();
  }
  const result: Overheads = { directMs: [], invokeMs: [], aboveInvoke: [], aboveFetch: [], perChunkAboveStream: [] };
  for (let i = 0; i < pairs; i += 1) {
    // Each kind's order alternates so that neither side always runs first after the other's work.
    const [a, b] = i % 2 === 0 ? [await invoke(i), await viaProvider()] : await providerFirst(i);
    result.invokeMs.push(a);
    result.aboveInvoke.push(b - a);
    const c = await direct(urls[i % urls.length]);
    const d = await viaProvider();
    result.directMs.push(c);
    result.aboveFetch.push(d - c);
    const e = await streamed(i);
    const f = await streamedViaProvider();
    result.perChunkAboveStream.push((f.ms - e.ms) / Math.max(f.chunks, 1));
  }
  return result;

  async function providerFirst(i: number): Promise<[number, number]> {
    const provider = await viaProvider();
    return [await invoke(i), provider];
  }
}

async function main() {
  const servers: StartedServer[] = [];
  const loadAtStart = loadavg();
  const rows: string[] = [];
  let invokeP50 = '';
  try {
    for (const count of replicaCounts) {
      // The simulated engine's fast profile: steady server time, so differences are the client's.
      while (servers.length < count)
        servers.push(await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--parallel', '8']));
      const urls = servers.slice(0, count).map((server) => server.url);
      const result = await measure(urls);
      const p = (values: number[], q: number) => percentile(values, q).toFixed(3);
      const label = count === 1 ? '1 server' : `${count} replicas, routed (least loaded)`;
      rows.push(
        `| ${label} | ${p(result.aboveInvoke, 50)} | ${p(result.aboveInvoke, 99)} | ${p(result.aboveFetch, 50)} | ` +
          `${p(result.aboveFetch, 99)} | ${p(result.perChunkAboveStream, 50)} | ${p(result.perChunkAboveStream, 99)} |`,
      );
      invokeP50 += `${invokeP50 ? '; ' : ''}${label}: invoke ${p(result.invokeMs, 50)} ms, fetch ${p(result.directMs, 50)} ms`;
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }

  const report = [
    "# @rma/llm-provider overhead above LangChain's invoke on the same server",
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Command: \`node tools/scripts/ts-run.cjs tools/benchmarks/llm-provider-overhead.ts --pairs ${pairs} --max-tokens ${maxTokens} --replicas ${replicaCounts.join(',')}\``,
    '- Server: apps/local-llm --engine sim --profile fast (steady server time), vLLM API, on loopback',
    `- Method: ${pairs} pairs per kind, each pair's difference: LlmClient.chat against a ChatOpenAICompletions ` +
      '(@langchain/openai, built once per server) invoke, in alternating order; against a bare fetch of the same ' +
      "request; streamed, LlmClient.stream against the model's stream, per chunk. With several replicas the " +
      'LangChain model and the fetch take each server in turn, the client routes by load.',
    `- Baselines p50: ${invokeP50}`,
    '- Goal: p50 at most 0.2 ms above invoke.',
    `- Machine: a 2-vCPU VM shared with other engineers' runs (noisy: p99 moves with whatever else runs); ` +
      `load average at the start ${loadAtStart.map((value) => value.toFixed(1)).join(', ')}`,
    '',
    '| servers | above invoke p50 ms | above invoke p99 ms | above fetch p50 ms | above fetch p99 ms | streamed, per chunk p50 ms | per chunk p99 ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ].join('\n');
  mkdirSync(join(root, 'benchmarks'), { recursive: true });
  writeFileSync(join(root, 'benchmarks/llm-provider-overhead.md'), report);
  process.stdout.write(report);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
