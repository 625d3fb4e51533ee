// The command line, checked whole: every mistake is a BenchArgumentError saying what to change.
import { parseArgs } from 'node:util';
import { BenchArgumentError } from './bench-argument-error.ts';
import type { Slo } from './metrics.ts';
import { TARGET_KINDS } from './targets.ts';
import type { TargetKind } from './targets.ts';

/** The scenarios beyond a plain run. */
export const SCENARIOS = ['headline', 'replicas'] as const;

/** A benchmark run (or sweep, or scenario) as the command line asks for it. */
export interface RunOptions {
  mode: 'run';
  target: TargetKind;
  /** One or more (round robin); unset with --spawn-sim: the started engines' URLs are used. */
  urls?: string[];
  model?: string;
  maxTokens: number;
  dataset: string;
  numRequests: number;
  /** One run per level; [undefined] is one run with no cap on requests in flight. */
  concurrencies: (number | undefined)[];
  requestRate: number;
  seed: number;
  slo?: Slo;
  timeScale: number;
  timeoutMs: number;
  headers: Record<string, string>;
  out?: string;
  name: string;
  /** A local-llm simulated engine profile to start and benchmark. */
  spawnSim?: string;
  /** With spawnSim: each replica's --speed (its length is the number of replicas). */
  speeds: number[];
  scenario?: (typeof SCENARIOS)[number];
  maxFailures: number;
}

/** `--compare a.json b.json`. */
export interface CompareOptions {
  mode: 'compare';
  files: [string, string];
  out?: string;
  name: string;
}

export const USAGE = `usage: npx nx run bench:run -- [options]     (or: node tools/bench/src/cli.ts [options])

target
  --target openai|ollama|ask|letters   an engine's streaming chat (vLLM/OpenAI, Ollama) or a service's
                                       streaming endpoint (rag-service /ask/stream, notes-service /letters/stream)
  --url URL[,URL...]                   its base URL, e.g. http://localhost:8000; several are sent requests
                                       in turn (round robin, as a client without a router would)
  --spawn-sim PROFILE                  start apps/local-llm's simulated engine (vllm-a100-8b, ollama-default, fast)
                                       and benchmark its OpenAI API (the target is openai)
  --replicas N                         with --spawn-sim: start N engines (default 1)
  --speeds 1,1,1,0.5                   with --spawn-sim: each engine's --speed (0.5: a GPU half as fast);
                                       as many as --replicas (default all 1)
  --model NAME                         engines: the served model (default: the first the server lists)
  --max-tokens N                       engines: output tokens per request (default 128)
  --header "Name: value"               an HTTP header on every request (repeatable), e.g. an API key
dataset
  --dataset questions|case-notes|mixed|FILE
                                       the repo's sample questions or case notes (mixed: in turn, for
                                       engines), or a JSONL file of
                                       {"question"}, {"notes","clientName"} or {"prompt","system"}
                                       (default: case-notes for letters, questions otherwise)
load
  --num-requests N                     requests per run (default 100)
  --concurrency N                      at most N requests in flight (default: no cap)
  --sweep 1,2,4,8                      one run per concurrency level
  --request-rate R                     Poisson arrivals at R requests/s (default inf: all at once); with
                                       --time-scale, per simulated second
  --seed N                             the arrivals' random seed (default 0)
  --scenario headline                  the old way (one request at a time) against the new way (all at
                                       once, or --concurrency N), on the same requests
  --scenario replicas                  the same load on the first replica alone, then on all of them
report
  --goodput ttft:MS tpot:MS e2el:MS    SLOs; goodput counts the requests per second meeting all of them
  --time-scale S                       a simulated engine's --time-scale: times are reported in its
                                       simulated GPU time (wall / S) (default 1)
  --timeout-s S                        per request (default 600)
  --out DIR                            write NAME.json, NAME.md and NAME.svg there
  --name NAME                          the report files' name (default bench; compare for --compare)
  --max-failures N                     exit 1 when more requests fail (default 0)
  --compare A.json B.json              print (and with --out, write) two reports side by side`;

function positiveInteger(flag: string, text: string | undefined, fallback?: number): number {
  if (text === undefined) {
    if (fallback === undefined) throw new BenchArgumentError(`${flag} needs a value`);
    return fallback;
  }
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new BenchArgumentError(`${flag} ${text}: give a whole number of 1 or more`);
  return value;
}

function positiveNumber(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = text === 'inf' ? Infinity : Number(text);
  if (!(value > 0))
    throw new BenchArgumentError(`${flag} ${text}: give a number above 0${flag === '--request-rate' ? ' or inf' : ''}`);
  return value;
}

function parseSlo(parts: string[]): Slo | undefined {
  if (parts.length === 0) return undefined;
  const slo: Slo = {};
  for (const part of parts) {
    const [key, value, extra] = part.split(':');
    if (!['ttft', 'tpot', 'e2el'].includes(key) || extra !== undefined || !(Number(value) > 0)) {
      throw new BenchArgumentError(
        `--goodput ${part}: write NAME:MS with NAME ttft, tpot or e2el and MS above 0, e.g. ttft:500`,
      );
    }
    slo[key as keyof Slo] = Number(value);
  }
  return slo;
}

function parseHeaders(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 1)
      throw new BenchArgumentError(`--header ${line}: write "Name: value", e.g. "Authorization: Bearer KEY"`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** The target's kind and where it is: --url's list, or --spawn-sim's engines and their speeds. */
function parseTarget(values: {
  target?: string;
  url?: string;
  'spawn-sim'?: string;
  replicas?: string;
  speeds?: string;
}): { target: TargetKind; urls?: string[]; speeds: number[] } {
  const spawn = values['spawn-sim'];
  if (spawn !== undefined && values.url !== undefined) {
    throw new BenchArgumentError('give --url or --spawn-sim, not both: --spawn-sim benchmarks the engines it starts');
  }
  const target = values.target ?? (spawn !== undefined ? 'openai' : undefined);
  if (target === undefined) throw new BenchArgumentError(`--target is required: one of ${TARGET_KINDS.join(', ')}`);
  if (!(TARGET_KINDS as readonly string[]).includes(target)) {
    throw new BenchArgumentError(`--target ${target}: use one of ${TARGET_KINDS.join(', ')}`);
  }
  if (spawn === undefined) {
    if (values.replicas !== undefined || values.speeds !== undefined) {
      throw new BenchArgumentError(
        '--replicas and --speeds shape the engines --spawn-sim starts: add --spawn-sim PROFILE',
      );
    }
    if (values.url === undefined) {
      throw new BenchArgumentError('--url is required (or --spawn-sim PROFILE to start a simulated engine)');
    }
    const urls = values.url.split(',').map((url) => url.trim().replace(/\/+$/, ''));
    const bad = urls.find((url) => !/^https?:\/\/[^/]+/.test(url));
    if (bad !== undefined) {
      throw new BenchArgumentError(`--url ${bad}: give an http(s) base URL, e.g. http://localhost:8000`);
    }
    return { target: target as TargetKind, urls, speeds: [] };
  }
  if (target !== 'openai') {
    throw new BenchArgumentError(
      `--spawn-sim starts an engine with an OpenAI API: drop --target ${target} or use openai`,
    );
  }
  const replicas = positiveInteger('--replicas', values.replicas, 1);
  const speeds =
    values.speeds === undefined
      ? Array.from({ length: replicas }, () => 1)
      : values.speeds.split(',').map((speed) => positiveNumber('--speeds', speed.trim(), 1));
  if (speeds.length !== replicas) {
    throw new BenchArgumentError(`--speeds lists ${speeds.length} speeds for ${replicas} replicas: give one a replica`);
  }
  return { target: 'openai', speeds };
}

const OPTIONS = {
  target: { type: 'string' },
  url: { type: 'string' },
  'spawn-sim': { type: 'string' },
  replicas: { type: 'string' },
  speeds: { type: 'string' },
  model: { type: 'string' },
  'max-tokens': { type: 'string' },
  header: { type: 'string', multiple: true },
  dataset: { type: 'string' },
  'num-requests': { type: 'string' },
  concurrency: { type: 'string' },
  sweep: { type: 'string' },
  'request-rate': { type: 'string' },
  seed: { type: 'string' },
  scenario: { type: 'string' },
  goodput: { type: 'string', multiple: true },
  'time-scale': { type: 'string' },
  'timeout-s': { type: 'string' },
  out: { type: 'string' },
  name: { type: 'string' },
  'max-failures': { type: 'string' },
  compare: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

// `--goodput` and `--compare` take several values, as vllm bench's do: the words after them are theirs.
const LISTS = new Set(['goodput', 'compare']);

/** Parses argv (without node and the script); null for --help. */
export function parseBenchArgs(argv: string[]): RunOptions | CompareOptions | null {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true, tokens: true });
  } catch (error) {
    throw new BenchArgumentError(`${(error as Error).message}; see --help for the options`);
  }
  const { values, tokens } = parsed;
  if (values.help) return null;
  let list: 'goodput' | 'compare' | undefined;
  const goodput = [...(values.goodput ?? [])];
  const compare = [...(values.compare ?? [])];
  for (const token of tokens) {
    if (token.kind === 'option') list = LISTS.has(token.name) ? (token.name as 'goodput' | 'compare') : undefined;
    else if (token.kind === 'positional') {
      if (!list)
        throw new BenchArgumentError(`unexpected argument "${token.value}": options start with --; see --help`);
      (list === 'goodput' ? goodput : compare).push(token.value);
    }
  }
  const name = values.name ?? (compare.length ? 'compare' : 'bench');
  if (!/^[\w.-]+$/.test(name))
    throw new BenchArgumentError(`--name ${name}: use letters, digits, dots and dashes only`);
  if (compare.length) {
    if (compare.length !== 2)
      throw new BenchArgumentError(`--compare takes two report files (A.json B.json), got ${compare.length}`);
    return { mode: 'compare', files: [compare[0], compare[1]], out: values.out, name };
  }

  const { target, urls, speeds } = parseTarget(values);
  if (values.sweep !== undefined && values.concurrency !== undefined) {
    throw new BenchArgumentError('give --concurrency or --sweep, not both');
  }
  const scenario = values.scenario;
  if (scenario !== undefined && !(SCENARIOS as readonly string[]).includes(scenario)) {
    throw new BenchArgumentError(`--scenario ${scenario}: use one of ${SCENARIOS.join(', ')}`);
  }
  if (scenario !== undefined && values.sweep !== undefined) {
    throw new BenchArgumentError(`--scenario ${scenario} makes its own two runs: drop --sweep`);
  }
  if (scenario === 'replicas' && Math.max(urls?.length ?? 0, speeds.length) < 2) {
    throw new BenchArgumentError(
      '--scenario replicas needs two replicas or more: --url A,B or --spawn-sim with --replicas 2',
    );
  }
  const concurrencies =
    values.sweep !== undefined
      ? values.sweep.split(',').map((level) => positiveInteger('--sweep', level.trim()))
      : [values.concurrency === undefined ? undefined : positiveInteger('--concurrency', values.concurrency)];
  const seed = Number(values.seed ?? 0);
  if (!Number.isInteger(seed) || seed < 0)
    throw new BenchArgumentError(`--seed ${values.seed}: give a whole number of 0 or more`);
  const maxFailures = Number(values['max-failures'] ?? 0);
  if (!Number.isInteger(maxFailures) || maxFailures < 0) {
    throw new BenchArgumentError(`--max-failures ${values['max-failures']}: give a whole number of 0 or more`);
  }
  return {
    mode: 'run',
    target,
    urls,
    model: values.model,
    maxTokens: positiveInteger('--max-tokens', values['max-tokens'], 128),
    dataset: values.dataset ?? (target === 'letters' ? 'case-notes' : 'questions'),
    numRequests: positiveInteger('--num-requests', values['num-requests'], 100),
    concurrencies,
    requestRate: positiveNumber('--request-rate', values['request-rate'], Infinity),
    seed,
    slo: parseSlo(goodput),
    timeScale: positiveNumber('--time-scale', values['time-scale'], 1),
    timeoutMs: positiveNumber('--timeout-s', values['timeout-s'], 600) * 1000,
    headers: parseHeaders(values.header ?? []),
    out: values.out,
    name,
    spawnSim: values['spawn-sim'],
    speeds,
    scenario: scenario as RunOptions['scenario'],
    maxFailures,
  };
}
