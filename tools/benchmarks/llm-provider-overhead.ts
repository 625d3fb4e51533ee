// What @rma/llm-provider adds to a call, measured against a direct HTTP call to the same server in the
// same run: pairs of (direct fetch, LlmClient call) alternate, and the overhead is each pair's difference.
// Non-stream chat, and streamed chat per chunk. Writes benchmarks/llm-provider-overhead.md.
//
//   node tools/scripts/ts-run.cjs tools/benchmarks/llm-provider-overhead.ts [--pairs 300] [--max-tokens 8]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalLlm } from '@rma/testing';
import { LlmClient } from '../../libs/llm-provider/src/lib/llm-client';
// Percentiles as tools/bench reports them (interpolated between ranks, as numpy and vllm bench do).
import { percentile } from '../bench/src/metrics.ts';

const { values: flags } = parseArgs({
  options: { pairs: { type: 'string', default: '300' }, 'max-tokens': { type: 'string', default: '8' } },
});
const pairs = Number(flags.pairs);
const maxTokens = Number(flags['max-tokens']);
const root = join(__dirname, '..', '..');

async function main() {
  // The simulated engine's fast profile: steady server time, so differences are the client's.
  const server = await startLocalLlm(['--engine', 'sim', '--profile', 'fast', '--parallel', '8']);
  const client = new LlmClient({
    backends: { vllm: { urls: [server.url] }, ollama: { urls: [server.url] } },
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
  const messages = [{ role: 'user' as const, content: 'What is a Debt Relief Order?' }];
  const body = (stream: boolean) =>
    JSON.stringify({
      model: 'llama3.2',
      messages,
      max_tokens: maxTokens,
      stream,
      ...(stream ? { stream_options: { include_usage: true } } : {}),
    });

  const direct = async (stream: boolean) => {
    const started = performance.now();
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: body(stream),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(text);
    return performance.now() - started;
  };
  const viaLibrary = async () => {
    const started = performance.now();
    await client.chat({ messages, maxTokens });
    return performance.now() - started;
  };
  const viaLibraryStream = async () => {
    const started = performance.now();
    let chunks = 0;
    for await (const event of client.stream({ messages, maxTokens })) if (event.type === 'token') chunks += 1;
    return { ms: performance.now() - started, chunks };
  };

  // Warm-up: connections, JIT, the first LangChain model construction.
  for (let i = 0; i < 20; i += 1) {
    await direct(false);
    await viaLibrary();
    await direct(true);
    await viaLibraryStream();
  }
  const nonStream: number[] = [];
  const perChunk: number[] = [];
  const directMs: number[] = [];
  for (let i = 0; i < pairs; i += 1) {
    const a = await direct(false);
    const b = await viaLibrary();
    nonStream.push(b - a);
    directMs.push(a);
    const c = await direct(true);
    const d = await viaLibraryStream();
    perChunk.push((d.ms - c) / Math.max(d.chunks, 1));
  }
  await server.stop();

  const row = (name: string, values: number[]) =>
    `| ${name} | ${percentile(values, 50).toFixed(3)} | ${percentile(values, 99).toFixed(3)} |`;
  const report = [
    '# @rma/llm-provider overhead against a direct HTTP call',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Command: \`node tools/scripts/ts-run.cjs tools/benchmarks/llm-provider-overhead.ts --pairs ${pairs} --max-tokens ${maxTokens}\``,
    '- Server: apps/local-llm --engine sim --profile fast (steady server time), vLLM API, on loopback',
    `- Method: ${pairs} alternating pairs (direct fetch, then LlmClient) per kind; overhead = the pair's difference`,
    `- Direct non-stream call p50 ${percentile(directMs, 50).toFixed(2)} ms`,
    '- Goal: p50 under 1 ms, p99 under 3 ms. Noise: a shared 2-vCPU VM; p99 moves with whatever else runs.',
    '',
    '| added latency | p50 ms | p99 ms |',
    '| --- | ---: | ---: |',
    row('non-stream chat call', nonStream),
    row('streamed chat, per chunk', perChunk),
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
