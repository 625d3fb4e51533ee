// Two reports side by side: each metric of A, of B, and B's change from A, run by run.
import { readFileSync } from 'node:fs';
import { BenchArgumentError } from './bench-argument-error.ts';
import type { RunSummary } from './metrics.ts';
import { targetName } from './report.ts';
import type { BenchReport, BenchRun } from './report.ts';

/** Reads a report written by this CLI, or says why the file is not one. */
export function readReport(path: string): BenchReport {
  let report: BenchReport;
  try {
    report = JSON.parse(readFileSync(path, 'utf8')) as BenchReport;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BenchArgumentError(
      `--compare ${path}: ${code ? `cannot read it (${code})` : 'not JSON'}; give a NAME.json this tool wrote`,
    );
  }
  if (report?.tool !== 'rma-bench' || !Array.isArray(report.runs) || report.runs.length === 0) {
    throw new BenchArgumentError(`--compare ${path}: not a report of this tool (no "tool": "rma-bench" and runs)`);
  }
  return report;
}

type Metric = [label: string, read: (s: RunSummary) => number | null, digits: number];

const METRICS: Metric[] = [
  ['completed', (s) => s.completed, 0],
  ['failed', (s) => s.failed, 0],
  ['duration s', (s) => s.durationS, 2],
  ['request throughput req/s', (s) => s.requestThroughput, 2],
  ['output throughput tok/s', (s) => s.outputThroughput, 1],
  ['goodput req/s', (s) => s.requestGoodput, 2],
  ['peak requests in flight', (s) => s.peakConcurrency, 0],
  ...(
    [
      ['TTFT', 'ttftMs', 1],
      ['TPOT', 'tpotMs', 2],
      ['ITL', 'itlMs', 2],
      ['E2EL', 'e2elMs', 0],
    ] as const
  ).flatMap(([name, field, digits]) =>
    (['mean', 'p50', 'p90', 'p95', 'p99'] as const).map((key): Metric => [
      `${name} ${key} ms`,
      (s) => s[field][key],
      digits,
    ]),
  ),
];

function change(a: number | null, b: number | null): string {
  if (a === null || b === null) return '-';
  if (a === 0) return b === 0 ? '0.0%' : '-';
  const percent = ((b - a) / a) * 100;
  return `${percent > 0 ? '+' : ''}${percent.toFixed(1)}%`;
}

function pairTable(a: BenchRun, b: BenchRun): string {
  return [
    `| metric | A: ${a.label} | B: ${b.label} | B against A |`,
    '| --- | ---: | ---: | ---: |',
    ...METRICS.map(([label, read, digits]) => {
      // A report written before a metric existed has none: a dash, not a crash.
      const [x, y] = [read(a.summary) ?? null, read(b.summary) ?? null];
      return `| ${label} | ${x === null ? '-' : x.toFixed(digits)} | ${y === null ? '-' : y.toFixed(digits)} | ${change(x, y)} |`;
    }),
  ].join('\n');
}

/** The side-by-side markdown of two reports; runs are paired in order (a sweep's levels with each other). */
export function compareMarkdown(
  a: { path: string; report: BenchReport },
  b: { path: string; report: BenchReport },
): string {
  const pairs = Math.min(a.report.runs.length, b.report.runs.length);
  const unpaired = Math.max(a.report.runs.length, b.report.runs.length) - pairs;
  return [
    '# Benchmark comparison',
    '',
    `- A: \`${a.path}\`: ${targetName(a.report)}, ${a.report.date}`,
    `- B: \`${b.path}\`: ${targetName(b.report)}, ${b.report.date}`,
    ...(unpaired ? [`- ${unpaired} run(s) of the longer report have no partner and are left out`] : []),
    '',
    ...Array.from({ length: pairs }, (_, i) => [pairTable(a.report.runs[i], b.report.runs[i]), '']).flat(),
  ].join('\n');
}
