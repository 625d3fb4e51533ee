// The chart of a report: a sweep plots throughput and latency against concurrency; a single run or a
// scenario plots each run's latency percentiles and its completed requests over time.
import { percentile } from './metrics.ts';
import { targetName } from './report.ts';
import type { BenchReport } from './report.ts';
import type { RequestRecord } from './runner.ts';
import { lineChartSvg } from './svg-chart.ts';
import type { ChartPanel } from './svg-chart.ts';

const PERCENTILES = Array.from({ length: 20 }, (_, i) => (i + 1) * 5);

function sweepPanels(report: BenchReport): ChartPanel[] {
  const at = (read: (run: BenchReport['runs'][number]) => number) =>
    report.runs.map((run) => ({ x: run.concurrency ?? 1, y: read(run) }));
  return [
    {
      title: 'output tokens/s',
      unit: 'tokens/s',
      series: [{ name: 'output tokens/s', points: at((run) => run.summary.outputThroughput) }],
    },
    {
      title: 'latency, ms (log scale)',
      unit: 'ms',
      log: true,
      series: [
        { name: 'TTFT p50', points: at((run) => run.summary.ttftMs.p50) },
        { name: 'TTFT p99', points: at((run) => run.summary.ttftMs.p99) },
        { name: 'E2EL p99', points: at((run) => run.summary.e2elMs.p99) },
      ],
    },
  ];
}

function runPanels(report: BenchReport, records: RequestRecord[][]): ChartPanel[] {
  const ms = (record: RequestRecord, value: number) => (record.ok ? value / report.timeScale : NaN);
  return [
    {
      title: 'latency by percentile, ms (log scale)',
      unit: 'ms',
      log: true,
      xScale: 'linear',
      xLabel: 'percentile of requests',
      series: report.runs.flatMap((run, i) => {
        const ok = records[i].filter((record) => record.ok);
        return [
          {
            name: `${run.label}: TTFT`,
            points: PERCENTILES.map((p) => ({
              x: p,
              y: percentile(
                ok.map((r) => ms(r, r.ttftMs)),
                p,
              ),
            })),
          },
          {
            name: `${run.label}: E2EL`,
            points: PERCENTILES.map((p) => ({
              x: p,
              y: percentile(
                ok.map((r) => ms(r, r.latencyMs)),
                p,
              ),
            })),
          },
        ];
      }),
    },
    {
      title: 'completed requests over time',
      unit: 'requests',
      xScale: 'linear',
      xLabel: `seconds${report.timeScale === 1 ? '' : ' (simulated)'}`,
      series: report.runs.map((run, i) => ({
        name: run.label,
        points: [
          { x: 0, y: 0 },
          ...records[i]
            .filter((record) => record.ok)
            .map((record) => (record.startMs + record.latencyMs) / 1000 / report.timeScale)
            .sort((a, b) => a - b)
            .map((seconds, done) => ({ x: seconds, y: done + 1 })),
        ],
      })),
    },
  ];
}

/** The report's chart as SVG; `records` are each run's requests, in the order of report.runs. */
export function benchChartSvg(report: BenchReport, records: RequestRecord[][]): string {
  const sweep =
    report.runs.length > 1 && report.runs.every((run) => run.concurrency !== null) && report.speedUp === undefined;
  return lineChartSvg({
    title: `${targetName(report)}: ${report.load.numRequests} requests per run`,
    panels: sweep ? sweepPanels(report) : runPanels(report, records),
  });
}
