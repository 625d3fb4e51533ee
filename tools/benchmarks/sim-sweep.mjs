// A concurrency sweep (1 to 256) against apps/local-llm's simulated GPU engine, once per profile
// (vLLM on an A100 and Ollama's defaults on the same card), to compare with the published benchmark
// the profiles are calibrated from. Writes benchmarks/sim-sweep.md and benchmarks/sim-sweep.svg.
// The measuring is tools/bench's (metrics as `vllm bench serve` defines them).
//
//   node tools/benchmarks/sim-sweep.mjs [--concurrency 1,2,...,256] [--max-tokens 64]
//        [--vllm-time-scale 0.2] [--ollama-time-scale 0.05]
//
// Time scale: the engine runs faster than the GPU it simulates (0.2 = five times faster); every
// duration and rate below is converted back to simulated GPU time (client wall time / scale).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { workspaceRoot } from '../servers/servers.mjs';
import { measureRun } from '../bench/src/bench.ts';
import { loadDataset } from '../bench/src/dataset.ts';
import { machineLine, runsTable } from '../bench/src/report.ts';
import { sendOne } from '../bench/src/runner.ts';
import { startSimEngine } from '../bench/src/sim-engines.ts';
import { lineChartSvg } from '../bench/src/svg-chart.ts';

const { values: flags } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '1,2,4,8,16,32,64,128,256' },
    'max-tokens': { type: 'string', default: '64' },
    'vllm-time-scale': { type: 'string', default: '0.2' },
    'ollama-time-scale': { type: 'string', default: '0.05' },
    'min-requests': { type: 'string', default: '8' },
    out: { type: 'string', default: 'benchmarks/sim-sweep' },
  },
});
const levels = flags.concurrency.split(',').map(Number);
const maxTokens = Number(flags['max-tokens']);
const entries = loadDataset('questions', join(workspaceRoot, 'tools/bench/datasets'));

const PROFILES = [
  {
    profile: 'vllm-a100-8b',
    label: 'vLLM (simulated A100, Llama-3.1-8B)',
    timeScale: Number(flags['vllm-time-scale']),
  },
  {
    profile: 'ollama-default',
    label: 'Ollama defaults (simulated, same GPU)',
    timeScale: Number(flags['ollama-time-scale']),
  },
];

const results = [];
for (const { profile, label, timeScale } of PROFILES) {
  process.stdout.write(`${label}: --engine sim --profile ${profile} --time-scale ${timeScale}\n`);
  const engine = await startSimEngine({ workspaceRoot, profile, timeScale });
  try {
    const target = { kind: 'openai', urls: [engine.url], model: 'llama3.2', maxTokens, headers: {} };
    // One warm-up request: the engine's first answers pay for its JIT, scaled up by 1 / time scale.
    await sendOne(target, entries[0], 0, 60_000);
    const runs = [];
    for (const concurrency of levels) {
      const { run } = await measureRun({
        target,
        entries,
        label: `concurrency ${concurrency}`,
        concurrency,
        numRequests: Math.max(Number(flags['min-requests']), concurrency),
        requestRate: Infinity,
        seed: 0,
        timeoutMs: 600_000,
        timeScale,
      });
      runs.push(run);
      const s = run.summary;
      process.stdout.write(
        `  concurrency ${String(concurrency).padStart(3)}: ${s.outputThroughput.toFixed(1).padStart(8)} output tok/s  ` +
          `TTFT p50 ${s.ttftMs.p50.toFixed(1)} ms  TPOT mean ${s.tpotMs.mean.toFixed(2)} ms  E2EL p50 ${s.e2elMs.p50.toFixed(0)} ms\n`,
      );
    }
    results.push({ profile, label, timeScale, runs });
  } finally {
    await engine.stop();
  }
}

const svg = lineChartSvg({
  title: 'Simulated GPU engines: output tokens/s and time to first token against concurrency',
  panels: [
    {
      title: 'output tokens/s (simulated time)',
      unit: 'tokens/s',
      series: results.map((result) => ({
        name: result.label,
        points: result.runs.map((run) => ({ x: run.concurrency, y: run.summary.outputThroughput })),
      })),
    },
    {
      title: 'TTFT p50, ms (simulated time, log scale)',
      unit: 'ms',
      log: true,
      series: results.map((result) => ({
        name: result.label,
        points: result.runs.map((run) => ({ x: run.concurrency, y: run.summary.ttftMs.p50 })),
      })),
    },
  ],
});
const peak = (result) => Math.max(...result.runs.map((run) => run.summary.outputThroughput));
const command = `node tools/benchmarks/sim-sweep.mjs ${process.argv.slice(2).join(' ')}`.trim();
const report = [
  '# Concurrency sweep against the simulated GPU engines',
  '',
  `- Date: ${new Date().toISOString()}`,
  `- Command: \`${command}\``,
  `- Machine: ${machineLine(workspaceRoot)}`,
  `- Load: streamed chat requests (tools/bench/datasets/questions.jsonl), max_tokens ${maxTokens}; per level max(${flags['min-requests']}, concurrency) requests`,
  '- Metrics: as `vllm bench serve` defines them (tools/bench); percentiles interpolated as numpy does; latencies in ms',
  '- Time: the engine runs faster than the GPU it simulates; every number here is client wall time divided by the',
  '  time scale, so it reads in simulated GPU time. Timer and HTTP overhead on this 2-vCPU VM are scaled up by',
  '  the same factor (about 1 ms of wall time is 1/scale ms here), which matters only for the smallest TTFTs.',
  '- Published comparison the profiles cite (Red Hat, vLLM vs Ollama, Llama-3.1-8B on one A100-PCIE-40GB,',
  '  concurrency 1-256): vLLM peak about 793 output tok/s, Ollama about 41.',
  '',
  `Peak output tokens/s here: ${results.map((result) => `${result.profile} ${peak(result).toFixed(0)}`).join(', ')}; ` +
    `ratio ${(peak(results[0]) / peak(results[1])).toFixed(1)}x (published: about 19x).`,
  '',
  '![output tokens/s and TTFT against concurrency](sim-sweep.svg)',
  '',
  ...results.flatMap((result) => [
    `## ${result.label}`,
    '',
    `\`--engine sim --profile ${result.profile} --time-scale ${result.timeScale}\``,
    '',
    runsTable(result.runs),
    '',
  ]),
].join('\n');
mkdirSync(join(workspaceRoot, 'benchmarks'), { recursive: true });
writeFileSync(join(workspaceRoot, `${flags.out}.md`), report);
writeFileSync(join(workspaceRoot, `${flags.out}.svg`), svg);
process.stdout.write(`report written to ${flags.out}.md and ${flags.out}.svg\n`);
