// The report of a benchmark: JSON for machines and --compare, markdown for people, and the summary
// printed at the end of each run (laid out as vllm bench serve prints its own).
import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import type { EngineFigures } from './engine-metrics.ts';
import type { Distribution, RunSummary, Slo } from './metrics.ts';

/** One run of a report: a concurrency level of a sweep, or one side of a scenario. */
export interface BenchRun {
  label: string;
  /** Null: no cap on requests in flight. */
  concurrency: number | null;
  summary: RunSummary;
  /** What each vLLM engine's own /metrics counted during the run; empty for other targets. */
  engines: EngineFigures[];
}

/** A whole report as written to NAME.json. */
export interface BenchReport {
  tool: 'rma-bench';
  version: 1;
  date: string;
  command: string;
  machine: string;
  /** `url` lists every URL requests went to, comma-separated. */
  target: { kind: string; url: string; model?: string; spawned?: string };
  dataset: { name: string; entries: number };
  load: { numRequests: number; requestRate: number | null; seed: number; maxTokens: number };
  timeScale: number;
  slo: Slo | null;
  runs: BenchRun[];
  /** A scenario's first run's duration over its second's (the same requests). */
  speedUp?: number;
}

/** What was benchmarked, in a few words: the engines the CLI started, or the target's URL. */
export const targetName = (report: BenchReport) =>
  `${report.target.kind} at ${report.target.spawned ?? report.target.url}`;

/** The machine a report was made on, and the commit. */
export function machineLine(cwd: string): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  let revision = 'unknown';
  try {
    revision = execSync('git rev-parse --short HEAD', {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // not a git checkout
  }
  return `${cpus().length} vCPU (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, git ${revision}`;
}

const fixed = (value: number | null | undefined, digits = 1) =>
  value === null || value === undefined ? '-' : value.toFixed(digits);
const cells = (d: Distribution, keys: (keyof Distribution)[], digits = 1) => keys.map((key) => fixed(d[key], digits));

const TABLE_HEAD =
  '| run | concurrency | ok / failed | duration s | req/s | output tok/s | goodput req/s | TTFT mean | TTFT p50 | TTFT p90 | TTFT p95 | TTFT p99 | ' +
  'TPOT mean | TPOT p50 | TPOT p99 | ITL p50 | ITL p99 | E2EL mean | E2EL p50 | E2EL p90 | E2EL p95 | E2EL p99 |';

function tableRow(run: BenchRun): string {
  const s = run.summary;
  return `| ${[
    run.label,
    run.concurrency ?? 'all',
    `${s.completed} / ${s.failed}`,
    fixed(s.durationS, 2),
    fixed(s.requestThroughput, 2),
    fixed(s.outputThroughput, 1),
    fixed(s.requestGoodput, 2),
    ...cells(s.ttftMs, ['mean', 'p50', 'p90', 'p95', 'p99']),
    ...cells(s.tpotMs, ['mean', 'p50', 'p99'], 2),
    ...cells(s.itlMs, ['p50', 'p99'], 2),
    ...cells(s.e2elMs, ['mean', 'p50', 'p90', 'p95', 'p99'], 0),
  ].join(' | ')} |`;
}

/** The runs as one markdown table (latencies in ms). */
export function runsTable(runs: BenchRun[]): string {
  const numericColumns = TABLE_HEAD.split('|').length - 3;
  return [TABLE_HEAD, `| --- |${' ---: |'.repeat(numericColumns)}`, ...runs.map(tableRow)].join('\n');
}

/** The markdown report; `chart` is the SVG's file name beside it, if one was written. */
export function markdownReport(report: BenchReport, chart?: string): string {
  const failures = report.runs.flatMap((run) =>
    run.summary.failures.map((failure) => `- ${run.label}: ${failure.count} x \`${failure.error}\``),
  );
  const slo = report.slo
    ? Object.entries(report.slo)
        .map(([key, ms]) => `${key} <= ${ms} ms`)
        .join(', ')
    : 'none given';
  return [
    `# Benchmark: ${targetName(report)}`,
    '',
    `- Date: ${report.date}`,
    `- Command: \`${report.command}\``,
    `- Machine: ${report.machine}`,
    `- Target: ${report.target.kind}${report.target.model ? `, model ${report.target.model}` : ''}; dataset ${report.dataset.name} (${report.dataset.entries} entries, used in turn)`,
    `- Load: ${report.load.numRequests} requests per run, ${report.load.requestRate === null ? 'all released at once, as many in flight as the concurrency allows' : `Poisson arrivals at ${report.load.requestRate} req/s (seed ${report.load.seed})`}; engines: max_tokens ${report.load.maxTokens}`,
    `- Time: ${report.timeScale === 1 ? 'wall clock' : `simulated GPU time (wall time / ${report.timeScale})`}; latencies in ms`,
    `- Goodput SLOs: ${slo}`,
    ...(report.speedUp === undefined ? [] : [`- ${speedUpLine(report)}`]),
    '',
    ...(chart ? [`![${report.target.kind} benchmark](${chart})`, ''] : []),
    runsTable(report.runs),
    '',
    ...(report.runs.some((run) => run.engines.length)
      ? [
          '## Engines (their own /metrics, over each run)',
          '',
          ...report.runs.map((run) => `- ${run.label}: ${enginesText(run)}`),
          '',
        ]
      : []),
    '## Failures',
    '',
    ...(failures.length ? failures : ['None.']),
    '',
  ].join('\n');
}

/** One engine's requests and prefix cache hit rate during a run. */
const engineText = (engine: EngineFigures) =>
  `${engine.requests} requests, prefix cache hits ${
    engine.prefixCacheHitRate === null ? '-' : `${(engine.prefixCacheHitRate * 100).toFixed(0)}%`
  }`;

/** Every engine's figures for a run, in one line. */
const enginesText = (run: BenchRun) => run.engines.map((engine) => `${engine.url} ${engineText(engine)}`).join('; ');

/** A scenario's result in words: how much sooner its second run finished the same requests. */
export const speedUpLine = (report: BenchReport) =>
  `speed-up of ${report.runs[1].label} over ${report.runs[0].label}: ${report.speedUp?.toFixed(1)}x (duration ${report.runs[0].summary.durationS.toFixed(2)} s against ${report.runs[1].summary.durationS.toFixed(2)} s)`;

const line = (label: string, value: string) => `${label.padEnd(40)}${value}`;

/** The summary printed after a run. */
export function terminalSummary(run: BenchRun, slo: Slo | null): string {
  const s = run.summary;
  const latency = (title: string, d: Distribution, digits = 2) => [
    `${`-`.repeat(15)}${title}${'-'.repeat(Math.max(0, 35 - title.length))}`,
    line(`Mean ${title.split(' ')[0]} (ms):`, d.mean.toFixed(digits)),
    line(`P50 (ms):`, d.p50.toFixed(digits)),
    line(`P90 (ms):`, d.p90.toFixed(digits)),
    line(`P95 (ms):`, d.p95.toFixed(digits)),
    line(`P99 (ms):`, d.p99.toFixed(digits)),
  ];
  return [
    `${'='.repeat(12)} ${run.label} ${'='.repeat(Math.max(0, 36 - run.label.length))}`,
    line('Successful requests:', String(s.completed)),
    line('Failed requests:', String(s.failed)),
    line('Maximum request concurrency:', String(run.concurrency ?? 'none')),
    line('Peak concurrent requests:', String(s.peakConcurrency)),
    line('Benchmark duration (s):', s.durationS.toFixed(2)),
    line('Total input tokens:', s.totalInputTokens === null ? 'not reported' : String(s.totalInputTokens)),
    line('Total generated tokens:', String(s.totalOutputTokens)),
    line('Request throughput (req/s):', s.requestThroughput.toFixed(2)),
    ...(slo && s.requestGoodput !== null ? [line('Request goodput (req/s):', s.requestGoodput.toFixed(2))] : []),
    line('Output token throughput (tok/s):', s.outputThroughput.toFixed(2)),
    ...latency('TTFT', s.ttftMs),
    ...latency('TPOT (excl. 1st token)', s.tpotMs),
    ...latency('ITL', s.itlMs),
    ...latency('E2EL', s.e2elMs, 0),
    ...run.engines.map((engine) => line(`Engine ${engine.url}:`, engineText(engine))),
    ...s.failures.map((failure) => line(`Failed: ${failure.error}`, String(failure.count))),
    '='.repeat(50),
  ].join('\n');
}
