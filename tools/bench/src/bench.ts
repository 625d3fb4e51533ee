// One benchmark as the command line describes it: the target checked with one request, then each run
// (a concurrency level, or a side of a scenario) in turn, summarised into one report.
import { loadDataset } from './dataset.ts';
import { engineSnapshot } from './engine-metrics.ts';
import type { DatasetEntry } from './dataset.ts';
import { summarize } from './metrics.ts';
import type { Slo } from './metrics.ts';
import type { RunOptions } from './options.ts';
import { progressReporter } from './progress.ts';
import { machineLine, terminalSummary } from './report.ts';
import type { BenchReport, BenchRun } from './report.ts';
import { discoverModel, requestFor } from './targets.ts';
import type { Target } from './targets.ts';
import { runLoad, sendOne } from './runner.ts';
import type { RequestRecord } from './runner.ts';

/** A finished benchmark: its report and every run's requests (for the chart). */
export interface BenchResult {
  report: BenchReport;
  records: RequestRecord[][];
}

/** The runs a benchmark makes: a scenario's two sides, or one per concurrency level. */
function plannedRuns(
  options: RunOptions,
  urls: string[],
): { label: string; concurrency: number | undefined; urls: string[] }[] {
  const concurrency = options.concurrencies[0];
  if (options.scenario === 'headline') {
    return [
      { label: 'old way: one at a time', concurrency: 1, urls },
      {
        label: concurrency === undefined ? 'new way: all at once' : `new way: ${concurrency} at a time`,
        concurrency,
        urls,
      },
    ];
  }
  if (options.scenario === 'replicas') {
    return [
      { label: 'one replica', concurrency, urls: urls.slice(0, 1) },
      { label: `${urls.length} replicas, round robin`, concurrency, urls },
    ];
  }
  return options.concurrencies.map((level) => ({
    label: level === undefined ? 'run' : `concurrency ${level}`,
    concurrency: level,
    urls,
  }));
}

/**
 * One run with a progress display: `numRequests` requests, `concurrency` at most in flight, summarised.
 * `requestRate` is in the report's clock: requests per simulated second when `timeScale` is not 1.
 */
export async function measureRun(options: {
  target: Target;
  entries: DatasetEntry[];
  label: string;
  concurrency: number | undefined;
  numRequests: number;
  requestRate: number;
  seed: number;
  timeoutMs: number;
  timeScale: number;
  slo?: Slo;
}): Promise<{ run: BenchRun; records: RequestRecord[] }> {
  const progress = progressReporter(options.label);
  const engineFigures = await engineSnapshot(options.target.urls, options.target.headers);
  const result = await runLoad({
    target: options.target,
    entries: options.entries,
    load: {
      numRequests: options.numRequests,
      concurrency: options.concurrency,
      requestRate: options.requestRate / options.timeScale,
      seed: options.seed,
    },
    timeoutMs: options.timeoutMs,
    onProgress: progress.update,
  });
  progress.finish();
  return {
    run: {
      label: options.label,
      concurrency: options.concurrency ?? null,
      summary: summarize({ ...result, timeScale: options.timeScale, slo: options.slo }),
      engines: await engineFigures(),
    },
    records: result.records,
  };
}

/**
 * Runs the benchmark against `url`. `say` prints progress and summaries (stdout in the CLI). Throws a
 * BenchArgumentError for a dataset that does not fit the target, and an Error when the first request
 * fails (a wrong URL or target: the run would only count failures).
 */
export async function runBenchmark(
  options: RunOptions & {
    urls: string[];
    /** What the CLI started for this run, if anything (for the report's title). */
    spawned?: string;
    workspaceRoot: string;
    command: string;
    say: (text: string) => void;
  },
): Promise<BenchResult> {
  const entries = loadDataset(options.dataset, `${options.workspaceRoot}/tools/bench/datasets`);
  const target: Target = {
    kind: options.target,
    urls: options.urls,
    model: options.model,
    maxTokens: options.maxTokens,
    headers: options.headers,
  };
  // Every entry must make a request of this target before anything is sent.
  entries.forEach((entry, i) => requestFor(target, entry, i));
  target.model ??= await discoverModel(target).catch((error: Error) => {
    throw new Error(
      `${target.urls[0]} did not list its models (${error.message}); check --url and --target, or give --model`,
    );
  });
  // One request to each URL first: a wrong one stops here, not as a run of failures.
  for (const [i, url] of target.urls.entries()) {
    const probe = await sendOne({ ...target, urls: [url] }, entries[0], i, options.timeoutMs);
    if (!probe.ok) {
      throw new Error(`the first request to ${url} failed (${probe.error}): check --url, --target and --header`);
    }
  }
  const runs: BenchRun[] = [];
  const records: RequestRecord[][] = [];
  for (const planned of plannedRuns(options, target.urls)) {
    const measured = await measureRun({ ...options, ...planned, target: { ...target, urls: planned.urls }, entries });
    runs.push(measured.run);
    records.push(measured.records);
    options.say(terminalSummary(measured.run, options.slo ?? null));
  }
  const report: BenchReport = {
    tool: 'rma-bench',
    version: 1,
    date: new Date().toISOString(),
    command: options.command,
    machine: machineLine(options.workspaceRoot),
    target: { kind: target.kind, url: target.urls.join(', '), model: target.model, spawned: options.spawned },
    dataset: { name: options.dataset, entries: entries.length },
    load: {
      numRequests: options.numRequests,
      requestRate: Number.isFinite(options.requestRate) ? options.requestRate : null,
      seed: options.seed,
      maxTokens: options.maxTokens,
    },
    timeScale: options.timeScale,
    slo: options.slo ?? null,
    runs,
  };
  if (options.scenario) report.speedUp = runs[0].summary.durationS / runs[1].summary.durationS;
  return { report, records };
}
