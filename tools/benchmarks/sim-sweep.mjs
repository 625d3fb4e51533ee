// A concurrency sweep (1 to 256) against apps/local-llm's simulated GPU engine, once per profile
// (vLLM on an A100 and Ollama's defaults on the same card), to compare with the published benchmark
// the profiles are calibrated from. Writes benchmarks/sim-sweep.md and benchmarks/sim-sweep.svg.
//
//   node tools/benchmarks/sim-sweep.mjs [--concurrency 1,2,...,256] [--max-tokens 64]
//        [--vllm-time-scale 0.2] [--ollama-time-scale 0.05]
//
// Time scale: the engine runs faster than the GPU it simulates (0.2 = five times faster); every
// duration and rate below is converted back to simulated GPU time (client wall time / scale).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalLlm, workspaceRoot } from '../servers/servers.mjs';
import { describeRow, machineLine, markdownTable, runLevel, streamOne } from './serving-bench.mjs';
import { lineChartSvg } from './svg-chart.mjs';

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
const model = 'llama3.2';

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
  const server = await startLocalLlm({
    args: ['--engine', 'sim', '--profile', profile, '--time-scale', String(timeScale), '--log-format', 'text'],
  });
  try {
    await streamOne(server.url, 0, { model, maxTokens: 4 });
    const rows = [];
    for (const concurrency of levels) {
      const requests = Math.max(Number(flags['min-requests']), concurrency);
      const row = await runLevel(server.url, { concurrency, requests, model, maxTokens, timeScale });
      rows.push(row);
      process.stdout.write(`  ${describeRow(row)}\n`);
    }
    results.push({ profile, label, timeScale, rows });
  } finally {
    await server.stop();
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
        points: result.rows.map((r) => ({ x: r.concurrency, y: r.outputThroughput })),
      })),
    },
    {
      title: 'TTFT p50, ms (simulated time, log scale)',
      unit: 'ms',
      log: true,
      series: results.map((result) => ({
        name: result.label,
        points: result.rows.map((r) => ({ x: r.concurrency, y: r.ttftP50 })),
      })),
    },
  ],
});
const peak = (result) => Math.max(...result.rows.map((row) => row.outputThroughput));
const command = `node tools/benchmarks/sim-sweep.mjs ${process.argv.slice(2).join(' ')}`.trim();
const report = [
  '# Concurrency sweep against the simulated GPU engines',
  '',
  `- Date: ${new Date().toISOString()}`,
  `- Command: \`${command}\``,
  `- Machine: ${machineLine()}`,
  `- Load: streamed chat requests, max_tokens ${maxTokens}; per level max(${flags['min-requests']}, concurrency) requests`,
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
    markdownTable(result.rows),
    '',
  ]),
].join('\n');
mkdirSync(join(workspaceRoot, 'benchmarks'), { recursive: true });
writeFileSync(join(workspaceRoot, `${flags.out}.md`), report);
writeFileSync(join(workspaceRoot, `${flags.out}.svg`), svg);
process.stdout.write(`report written to ${flags.out}.md and ${flags.out}.svg\n`);
