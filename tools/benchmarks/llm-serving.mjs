// A serving benchmark in the manner of `vllm bench serve` (measured by tools/bench) against any
// OpenAI-compatible server, or against apps/local-llm's llama.cpp engine started here. Prints a line per
// concurrency level and writes a markdown report.
//
//   node tools/benchmarks/llm-serving.mjs [--url http://host:port] [--preset medium] [--concurrency 1,2,4,8]
//        [--requests-per-level 16] [--max-tokens 64] [--threads 1] [--parallel 8] [--out benchmarks/local-llm.md]
//
// Without --url it starts apps/local-llm (built in dist/) with the given preset, threads and parallel.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalLlm, workspaceRoot } from '../servers/servers.mjs';
import { measureRun } from '../bench/src/bench.ts';
import { loadDataset } from '../bench/src/dataset.ts';
import { machineLine, runsTable } from '../bench/src/report.ts';
import { sendOne } from '../bench/src/runner.ts';

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
const entries = loadDataset('questions', join(workspaceRoot, 'tools/bench/datasets'));

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
  const target = { kind: 'openai', urls: [baseUrl], model: flags.model, maxTokens, headers: {} };
  // One warm-up request: the first evaluation allocates buffers.
  await sendOne(target, entries[0], 0, 600_000);
  const runs = [];
  for (const concurrency of levels) {
    const { run } = await measureRun({
      target,
      entries,
      label: `concurrency ${concurrency}`,
      concurrency,
      numRequests: perLevel,
      requestRate: Infinity,
      seed: 0,
      timeoutMs: 600_000,
      timeScale: 1,
    });
    runs.push(run);
    const s = run.summary;
    process.stdout.write(
      `concurrency ${String(concurrency).padStart(3)}: ${s.outputThroughput.toFixed(1).padStart(8)} output tok/s  ` +
        `TTFT p50 ${s.ttftMs.p50.toFixed(1)} ms  TPOT mean ${s.tpotMs.mean.toFixed(2)} ms  E2EL p50 ${s.e2elMs.p50.toFixed(0)} ms\n`,
    );
  }
  const command = `node tools/benchmarks/llm-serving.mjs ${process.argv.slice(2).join(' ')}`.trim();
  const report = [
    `# ${flags.title}`,
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Command: \`${command}\``,
    `- Server: ${flags.url ? flags.url : `apps/local-llm, preset ${flags.preset}, --threads ${flags.threads}, --parallel ${flags.parallel}`}`,
    `- Machine: ${machineLine(workspaceRoot)}`,
    `- Load: ${perLevel} streamed chat requests per level (tools/bench/datasets/questions.jsonl), max_tokens ${maxTokens}, temperature 0.8`,
    '- Metrics: as `vllm bench serve` defines them (tools/bench); latencies in ms',
    '- Noise: a shared 2-vCPU VM; read the numbers as a trend, not a capacity, and compare runs made back to back.',
    '',
    runsTable(runs),
    '',
  ].join('\n');
  const out = join(workspaceRoot, flags.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, report);
  process.stdout.write(`report written to ${flags.out}\n`);
} finally {
  await server?.stop();
}
