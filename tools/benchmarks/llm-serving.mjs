// A serving benchmark in the manner of `vllm bench serve` (see serving-bench.mjs) against any
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
import { describeRow, machineLine, markdownTable, runLevel, streamOne } from './serving-bench.mjs';

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
  await streamOne(baseUrl, 0, { model: flags.model, maxTokens });
  const rows = [];
  for (const concurrency of levels) {
    const row = await runLevel(baseUrl, { concurrency, requests: perLevel, model: flags.model, maxTokens });
    rows.push(row);
    process.stdout.write(`${describeRow(row)}\n`);
  }
  const command = `node tools/benchmarks/llm-serving.mjs ${process.argv.slice(2).join(' ')}`.trim();
  const report = [
    `# ${flags.title}`,
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Command: \`${command}\``,
    `- Server: ${flags.url ? flags.url : `apps/local-llm, preset ${flags.preset}, --threads ${flags.threads}, --parallel ${flags.parallel}`}`,
    `- Machine: ${machineLine()}`,
    `- Load: ${perLevel} streamed chat requests per level, max_tokens ${maxTokens}, temperature 0.8`,
    '- Noise: a shared 2-vCPU VM; read the numbers as a trend, not a capacity, and compare runs made back to back.',
    '',
    markdownTable(rows),
    '',
  ].join('\n');
  const out = join(workspaceRoot, flags.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, report);
  process.stdout.write(`report written to ${flags.out}\n`);
} finally {
  await server?.stop();
}
