// Shared parts of the serving benchmarks, in the manner of `vllm bench serve`: streamed chat requests
// at a fixed concurrency; time to first token (TTFT), time per output token (TPOT = (latency - TTFT) /
// (output tokens - 1)), inter-token latency (ITL), end-to-end latency, request and token throughput.
import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { workspaceRoot } from '../servers/servers.mjs';

const PROMPTS = [
  'What is a Debt Relief Order and who can get one?',
  'Which debts are priority debts, and why do they come first?',
  'Explain an Individual Voluntary Arrangement in plain words.',
  'What happens to my home if I go bankrupt?',
];

export async function streamOne(baseUrl, index, { model, maxTokens }) {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      model,
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

export const percentile = (values, p) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
export const mean = (values) => values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);

/**
 * One concurrency level: `requests` streamed chat requests, `concurrency` at a time. Durations are the
 * client's wall clock divided by `timeScale`, so a simulated engine's results read in its own time.
 */
export async function runLevel(baseUrl, { concurrency, requests: perLevel, model, maxTokens, timeScale = 1 }) {
  let next = 0;
  const results = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < perLevel) {
        const index = next++;
        results.push(await streamOne(baseUrl, index, { model, maxTokens }));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000 / timeScale;
  const scaled = results.map((r) => ({
    ...r,
    ttft: r.ttft / timeScale,
    tpot: r.tpot / timeScale,
    latency: r.latency / timeScale,
    itls: r.itls.map((itl) => itl / timeScale),
  }));
  return summarize(concurrency, scaled, seconds);
}

function summarize(concurrency, results, seconds) {
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

/** The markdown table of a sweep, one row a concurrency level. */
export function markdownTable(rows) {
  return [
    '| concurrency | requests | duration s | req/s | output tok/s | TTFT mean ms | TTFT p50 ms | TTFT p99 ms | TPOT mean ms | ITL p50 ms | e2e p50 ms | e2e p99 ms |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.concurrency} | ${r.requests} | ${r.seconds.toFixed(2)} | ${r.requestThroughput.toFixed(2)} | ${r.outputThroughput.toFixed(1)} | ` +
        `${r.ttftMean.toFixed(1)} | ${r.ttftP50.toFixed(1)} | ${r.ttftP99.toFixed(1)} | ${r.tpotMean.toFixed(2)} | ${r.itlP50.toFixed(2)} | ` +
        `${r.e2eP50.toFixed(0)} | ${r.e2eP99.toFixed(0)} |`,
    ),
  ].join('\n');
}

/** One line per level for the terminal. */
export function describeRow(row) {
  return (
    `concurrency ${String(row.concurrency).padStart(3)}: ${row.outputThroughput.toFixed(1).padStart(8)} output tok/s  ` +
    `TTFT p50 ${row.ttftP50.toFixed(1)} ms  TPOT ${row.tpotMean.toFixed(2)} ms  e2e p50 ${row.e2eP50.toFixed(0)} ms`
  );
}

/** The machine a report was made on, and the commit. */
export function machineLine() {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} vCPU (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, git ${gitRevision()}`;
}

function gitRevision() {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: workspaceRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
