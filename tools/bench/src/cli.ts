#!/usr/bin/env node
// The benchmark CLI for operators, in the manner of `vllm bench serve`. Runs with Node 24's type
// stripping, no build step:
//
//   npx nx run bench:run -- --target openai --url http://localhost:8000 --sweep 1,4,16 --out tmp/bench
//   node tools/bench/src/cli.ts --help
//
// Exit codes: 0 done; 1 the target failed (the first request, or more than --max-failures requests);
// 2 bad arguments (the message says what to change).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BenchArgumentError } from './bench-argument-error.ts';
import { runBenchmark } from './bench.ts';
import { benchChartSvg } from './chart.ts';
import { compareMarkdown, readReport } from './compare.ts';
import { parseBenchArgs, USAGE } from './options.ts';
import type { CompareOptions, RunOptions } from './options.ts';
import { recordedCommand } from './recorded-command.ts';
import { markdownReport, runsTable, speedUpLine } from './report.ts';
import { startSimEngine } from './sim-engines.ts';
import type { SimEngine } from './sim-engines.ts';

// This file is tools/bench/src/cli.ts: the workspace root is three folders up.
const workspaceRoot = resolve(dirname(resolve(process.argv[1] ?? '.')), '..', '..', '..');
const say = (text: string) => process.stdout.write(`${text}\n`);

function writeFiles(out: string, files: Record<string, string>): void {
  mkdirSync(out, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(out, name), text);
  say(
    `written: ${Object.keys(files)
      .map((name) => join(out, name))
      .join(', ')}`,
  );
}

function compare(options: CompareOptions): number {
  const [a, b] = options.files.map((path) => ({ path, report: readReport(path) }));
  const markdown = compareMarkdown(a, b);
  say(markdown);
  if (options.out) writeFiles(options.out, { [`${options.name}.md`]: markdown });
  return 0;
}

async function run(options: RunOptions, command: string): Promise<number> {
  const engines: SimEngine[] = [];
  try {
    for (const [i, speed] of options.speeds.entries()) {
      say(
        `starting local-llm --engine sim --profile ${options.spawnSim} --time-scale ${options.timeScale}` +
          `${speed === 1 ? '' : ` --speed ${speed}`} (replica ${i + 1} of ${options.speeds.length})`,
      );
      engines.push(
        await startSimEngine({
          workspaceRoot,
          profile: options.spawnSim as string,
          timeScale: options.timeScale,
          speed,
        }),
      );
    }
    const urls = options.urls ?? engines.map((engine) => engine.url);
    const speeds = options.speeds.some((speed) => speed !== 1) ? ` at speeds ${options.speeds.join(', ')}` : '';
    const spawned = options.spawnSim
      ? `${engines.length} local-llm sim ${options.spawnSim} engine${engines.length > 1 ? 's' : ''}${speeds}`
      : undefined;
    const { report, records } = await runBenchmark({ ...options, urls, spawned, workspaceRoot, command, say });
    say(runsTable(report.runs));
    if (report.speedUp !== undefined) say(speedUpLine(report));
    if (options.out) {
      writeFiles(options.out, {
        [`${options.name}.json`]: `${JSON.stringify(report, null, 2)}\n`,
        [`${options.name}.md`]: markdownReport(report, `${options.name}.svg`),
        [`${options.name}.svg`]: benchChartSvg(report, records),
      });
    }
    const failed = report.runs.reduce((sum, each) => sum + each.summary.failed, 0);
    if (failed > options.maxFailures) {
      process.stderr.write(`bench: ${failed} requests failed (more than --max-failures ${options.maxFailures})\n`);
      return 1;
    }
    return 0;
  } finally {
    await Promise.all(engines.map((engine) => engine.stop()));
  }
}

async function main(argv: string[]): Promise<number> {
  const options = parseBenchArgs(argv);
  if (options === null) {
    say(USAGE);
    return 0;
  }
  if (options.mode === 'compare') return compare(options);
  return run(options, recordedCommand(argv));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof BenchArgumentError) {
      process.stderr.write(`bench: ${error.message}\n(see --help)\n`);
      process.exit(2);
    }
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
