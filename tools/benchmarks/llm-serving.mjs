// A serving benchmark in the manner of `vllm bench serve`: for each concurrency level, N streamed chat
// requests against an OpenAI-compatible server; time to first token (TTFT), time per output token
// (TPOT = (latency - TTFT) / (output tokens - 1)), inter-token latency (ITL), end-to-end latency,
// request and output-token throughput. Prints a table and writes a markdown report.
//
//   node tools/benchmarks/llm-serving.mjs [--url http://host:port] [--preset medium] [--concurrency 1,2,4,8]
//        [--requests-per-level 16] [--max-tokens 64] [--threads 1] [--parallel 8] [--out benchmarks/local-llm.md]
//
// Without --url it starts apps/local-llm (built in dist/) with the given preset, threads and parallel.
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalLlm, workspaceRoot } from '../servers/servers.mjs';

const { values: flags } = parseArgs({
  options: {
    url: { type: 'string' },
    model: { type: 'string', default: 'llama3.2' },
    preset: { type: 'string', default: 'medium' },
    concurrency: { type: 'string', default: '1,2,4,8' },
    'requests-per-level': { type: 'string', default: '16' },
    'max-tokens': { type: 'string', default: '64' },
    threads: { type: 'string', default: '1' },
    parallel: { type: 'string', default: '8' },
    out: { type: 'string', default: 'benchmarks/local-llm.md' },
    title: { type: 'string', default: 'local-llm (llama.cpp, CPU) serving benchmark' },
  },
});
const levels = flags.concurrency.split(',').map(Number);
const perLevel = Number(flags['requests-per-level']);
const maxTokens = Number(flags['max-tokens']);

const PROMPTS = [
  'What is a Debt Relief Order and who can get one?',
  'Which debts are priority debts, and why do they come first?',
  'Explain an Individual Voluntary Arrangement in plain words.',
  'What happens to my home if I go bankrupt?',
];

async function streamOne(baseUrl, index) {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      model: flags.model,
      messages: [{ role: 'user', content: PROMPTS[index % PROMPTS.length] }],
      max_tokens: maxTokens,
      temperature: 0.8,
      seed: index,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  const arrivals = [];
  let usage;
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const bytes of response.body) {
    buffer += decoder.decode(bytes, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end).replace(/^data: /, '');
      buffer = buffer.slice(end + 2);
      if (event === '[DONE]') continue;
      const chunk = JSON.parse(event);
      if (chunk.usage) usage = chunk.usage;
      if (chunk.choices?.[0]?.delta?.content) arrivals.push(performance.now());
    }
  }
  const latency = performance.now() - started;
  const outputTokens = usage?.completion_tokens ?? arrivals.length;
  const ttft = (arrivals[0] ?? performance.now()) - started;
  const itls = arrivals.slice(1).map((time, i) => time - arrivals[i]);
  return { latency, ttft, outputTokens, tpot: outputTokens > 1 ? (latency - ttft) / (outputTokens - 1) : 0, itls };
}

const percentile = (values, p) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const mean = (values) => values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);

async function runLevel(baseUrl, concurrency) {
  let next = 0;
  const results = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < perLevel) {
        const index = next++;
        results.push(await streamOne(baseUrl, index));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const outputTokens = results.reduce((sum, result) => sum + result.outputTokens, 0);
  return {
    concurrency,
    requests: results.length,
    seconds,
    requestThroughput: results.length / seconds,
    outputThroughput: outputTokens / seconds,
    ttftMean: mean(results.map((r) => r.ttft)),
    ttftP50: percentile(
      results.map((r) => r.ttft),
      50,
    ),
    ttftP99: percentile(
      results.map((r) => r.ttft),
      99,
    ),
    tpotMean: mean(results.map((r) => r.tpot)),
    itlP50: percentile(
      results.flatMap((r) => r.itls),
      50,
    ),
    e2eP50: percentile(
      results.map((r) => r.latency),
      50,
    ),
    e2eP99: percentile(
      results.map((r) => r.latency),
      99,
    ),
  };
}

let server;
let baseUrl = flags.url;
if (!baseUrl) {
  server = await startLocalLlm({
    args: [
      '--preset',
      flags.preset,
      '--threads',
      flags.threads,
      '--parallel',
      flags.parallel,
      '--max-queue',
      '1024',
      '--log-format',
      'text',
    ],
  });
  baseUrl = server.url;
}
try {
  // One warm-up request: the first evaluation allocates buffers.
  await streamOne(baseUrl, 0);
  const rows = [];
  for (const concurrency of levels) {
    const row = await runLevel(baseUrl, concurrency);
    rows.push(row);
    process.stdout.write(
      `concurrency ${String(concurrency).padStart(3)}: ${row.outputThroughput.toFixed(1).padStart(8)} output tok/s  ` +
        `TTFT p50 ${row.ttftP50.toFixed(1)} ms  TPOT ${row.tpotMean.toFixed(2)} ms  e2e p50 ${row.e2eP50.toFixed(0)} ms\n`,
    );
  }
  const command = `node tools/benchmarks/llm-serving.mjs ${process.argv.slice(2).join(' ')}`.trim();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const report = [
    `# ${flags.title}`,
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Command: \`${command}\``,
    `- Server: ${flags.url ? flags.url : `apps/local-llm, preset ${flags.preset}, --threads ${flags.threads}, --parallel ${flags.parallel}`}`,
    `- Machine: ${cpus().length} vCPU (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, git ${gitRevision()}`,
    `- Load: ${perLevel} streamed chat requests per level, max_tokens ${maxTokens}, temperature 0.8`,
    '- Noise: a shared 2-vCPU VM; read the numbers as a trend, not a capacity, and compare runs made back to back.',
    '',
    '| concurrency | requests | duration s | req/s | output tok/s | TTFT mean ms | TTFT p50 ms | TTFT p99 ms | TPOT mean ms | ITL p50 ms | e2e p50 ms | e2e p99 ms |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.concurrency} | ${r.requests} | ${r.seconds.toFixed(2)} | ${r.requestThroughput.toFixed(2)} | ${r.outputThroughput.toFixed(1)} | ` +
        `${r.ttftMean.toFixed(1)} | ${r.ttftP50.toFixed(1)} | ${r.ttftP99.toFixed(1)} | ${r.tpotMean.toFixed(2)} | ${r.itlP50.toFixed(2)} | ` +
        `${r.e2eP50.toFixed(0)} | ${r.e2eP99.toFixed(0)} |`,
    ),
    '',
  ].join('\n');
  const out = join(workspaceRoot, flags.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, report);
  process.stdout.write(`report written to ${flags.out}\n`);
} finally {
  await server?.stop();
}

function gitRevision() {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: workspaceRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
