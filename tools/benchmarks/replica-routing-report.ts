// What the replica-routing benchmark found, as figures: the kill's per-second timeline, and the report
// in benchmarks/replica-routing.{md,json,svg} with tools/bench's machine line and SVG chart.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineFigures } from '../bench/src/engine-metrics.ts';
import { percentile } from '../bench/src/metrics.ts';
import type { RunSummary } from '../bench/src/metrics.ts';
import { machineLine } from '../bench/src/report.ts';
import type { RequestRecord } from '../bench/src/runner.ts';
import { lineChartSvg } from '../bench/src/svg-chart.ts';

/** One run: what the client measured, what each engine counted, how the router decided. */
export interface Measured {
  label: string;
  routing: string;
  /** The replicas it was sent to, in the order of the fleet's speeds. */
  urls: string[];
  /** Streamed calls (TTFT measured); else answered whole, where TTFT is the whole call. */
  streamed: boolean;
  summary: RunSummary;
  engines: EngineFigures[];
  decisions: { byReason: Record<string, number>; byReplica: Record<string, number> };
  /** TTFT p95 (ms, simulated) of the calls each replica answered. */
  ttftP95ByReplica: Record<string, number>;
  records?: RequestRecord[];
}

/** The fleet's generated tokens (summed over its engines) at a wall time, ms from the sampler's start. */
export interface TokenSample {
  atMs: number;
  tokens: number;
}

/** One simulated second around the kill; `t` is its start in seconds from the kill. */
interface TimelineBin {
  t: number;
  tokensPerS: number;
  answersPerS: number;
}

export interface KillTimeline {
  bins: TimelineBin[];
  /** Mean fleet output tokens/s over the 10 s before the kill. */
  beforeTokensPerS: number;
  /** From the kill to the end of the first second at 3/4 of before or more; null if none. */
  recoveredAfterS: number | null;
  /** The lowest second after the kill, while requests still arrived. */
  lowestAfterTokensPerS: number;
  /** Seconds after the kill (while requests still arrived) below 3/4 of before. */
  secondsBelow: number;
  killAtS: number;
}

export interface ReplicaBenchmark {
  date: string;
  command: string;
  /** Parts 1 and 3 (answered whole). */
  timeScale: number;
  /** Part 2 (streamed). */
  streamTimeScale: number;
  profile: string;
  speeds: number[];
  /** Each part's fleet (a fresh one per part). */
  fleets: { throughput: string[]; ttft: string[]; kill: string[] };
  maxTokens: number;
  seed: number;
  throughput: {
    one: Measured;
    four: Measured;
    concurrency: number;
    /** Output tokens/s while loaded (see steadyThroughput); the ratio is of these. */
    oneSteady: number;
    fourSteady: number;
    ratio: number;
  };
  ttft: { rate: number; leastLoaded: Measured; roundRobin: Measured; p95Reduction: number };
  kill: { rate: number; killedUrl: string; run: Measured; timeline: KillTimeline };
}

/** The cumulative count at `atMs`, linear between samples. */
function countAt(samples: TokenSample[], atMs: number): number {
  const after = samples.findIndex((sample) => sample.atMs >= atMs);
  if (after <= 0) return after === 0 ? samples[0].tokens : samples[samples.length - 1].tokens;
  const [a, b] = [samples[after - 1], samples[after]];
  return a.tokens + ((b.tokens - a.tokens) * (atMs - a.atMs)) / (b.atMs - a.atMs || 1);
}

/**
 * Output tokens per simulated second while every slot of a closed-loop run is taken: from a quarter of its
 * sending phase (past the first wave's prefill) to its last request sent, before the drain, whose tail
 * (the longest answers finishing alone) says nothing about capacity. From the engines' own counters.
 */
export function steadyThroughput(
  run: { samples: TokenSample[]; runOffsetMs: number; records: RequestRecord[] },
  timeScale: number,
): number {
  const sendingMs = Math.max(...run.records.map((record) => record.startMs));
  const [from, to] = [run.runOffsetMs + 0.25 * sendingMs, run.runOffsetMs + sendingMs];
  return (countAt(run.samples, to) - countAt(run.samples, from)) / ((to - from) / 1000 / timeScale);
}

/**
 * Fleet output per simulated second around the kill, from the engines' own vllm:generation_tokens_total
 * (what the replicas produced), beside the answers the client received. Times in the samples are wall
 * ms from the sampler's start; `runOffsetMs` is where the run's records start on that clock.
 */
export function killTimeline(options: {
  samples: TokenSample[];
  killedAtMs: number;
  runOffsetMs: number;
  timeScale: number;
  records: RequestRecord[];
  arrivalsEndS: number;
}): KillTimeline {
  const { samples, killedAtMs, runOffsetMs, timeScale, records } = options;
  const secondMs = 1000 * timeScale;
  const lastMs = samples[samples.length - 1].atMs;
  const ends = records.filter((r) => r.ok).map((r) => runOffsetMs + r.startMs + r.latencyMs);
  const bins: TimelineBin[] = [];
  for (let t = -Math.min(10, Math.floor(killedAtMs / secondMs)); killedAtMs + (t + 1) * secondMs <= lastMs; t += 1) {
    const [from, to] = [killedAtMs + t * secondMs, killedAtMs + (t + 1) * secondMs];
    bins.push({
      t,
      tokensPerS: countAt(samples, to) - countAt(samples, from),
      answersPerS: ends.filter((end) => end >= from && end < to).length,
    });
  }
  const before = bins.filter((bin) => bin.t < 0);
  const beforeTokensPerS = before.reduce((sum, bin) => sum + bin.tokensPerS, 0) / Math.max(before.length, 1);
  const killAtS = (killedAtMs - runOffsetMs) / secondMs;
  const loaded = bins.filter((bin) => bin.t >= 0 && bin.t + 1 <= options.arrivalsEndS - killAtS);
  const recovered = loaded.find((bin) => bin.tokensPerS >= 0.75 * beforeTokensPerS);
  return {
    bins,
    beforeTokensPerS,
    recoveredAfterS: recovered ? recovered.t + 1 : null,
    lowestAfterTokensPerS: Math.min(...loaded.map((bin) => bin.tokensPerS)),
    secondsBelow: loaded.filter((bin) => bin.tokensPerS < 0.75 * beforeTokensPerS).length,
    killAtS,
  };
}

const f = (value: number, digits = 0) => value.toFixed(digits);
const pct = (value: number | null) => (value === null ? '-' : `${(value * 100).toFixed(0)}%`);

function runRow(run: Measured): string {
  const s = run.summary;
  return (
    `| ${run.label} | ${s.completed}/${s.numRequests} | ${f(s.durationS, 1)} | ${f(s.outputThroughput)} | ` +
    `${f(s.requestThroughput, 2)} | ${f(s.ttftMs.p50)} | ${f(s.ttftMs.p95)} | ${f(s.e2elMs.p95)} | ${s.peakConcurrency} |`
  );
}

function replicaRows(report: ReplicaBenchmark, run: Measured): string[] {
  return run.urls.map((url, i) => {
    const speed = report.speeds[i];
    const engine = run.engines.find((figures) => figures.url === url);
    const routed = run.decisions.byReplica[url];
    const ttft = run.streamed ? f(run.ttftP95ByReplica[url] ?? 0) : '-';
    return `| ${i + 1} (${url.replace('http://127.0.0.1:', ':')}) | ${speed} | ${routed ?? '-'} | ${engine?.requests ?? 'down'} | ${pct(engine?.prefixCacheHitRate ?? null)} | ${ttft} |`;
  });
}

const reasons = (run: Measured) =>
  Object.entries(run.decisions.byReason)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');

const RUN_HEAD = [
  '| run | answered | duration s | output tok/s | requests/s | TTFT p50 ms | TTFT p95 ms | E2EL p95 ms | peak in flight |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
const REPLICA_HEAD = [
  '| replica | speed | calls routed | requests finished (engine) | prefix cache hit rate (engine) | TTFT p95 ms of its answers |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
];

function perReplica(report: ReplicaBenchmark, run: Measured): string[] {
  return [`${run.label}: decisions by reason: ${reasons(run)}.`, '', ...REPLICA_HEAD, ...replicaRows(report, run), ''];
}

function chart(report: ReplicaBenchmark): string {
  const { timeline } = report.kill;
  const ttftPoints = (run: Measured) =>
    [50, 60, 70, 80, 90, 95, 99].map((p) => ({
      x: p,
      y: percentile(run.records?.filter((r) => r.ok).map((r) => r.ttftMs / report.streamTimeScale) ?? [], p),
    }));
  return lineChartSvg({
    title: `4 simulated A100 replicas (one at half speed) behind @rma/llm-provider`,
    panels: [
      {
        title: 'TTFT by percentile, same Poisson load',
        unit: 'TTFT ms (simulated)',
        xScale: 'linear',
        xLabel: 'percentile',
        series: [
          { name: 'least-loaded', points: ttftPoints(report.ttft.leastLoaded) },
          { name: 'round-robin', points: ttftPoints(report.ttft.roundRobin) },
        ],
      },
      {
        title: `Replica SIGKILLed at ${f(timeline.killAtS)} s: fleet output per second`,
        unit: 'output tokens/s',
        xScale: 'linear',
        xLabel: 'simulated seconds from the run start',
        series: [
          {
            name: 'engines (vllm:generation_tokens_total)',
            points: timeline.bins.map((bin) => ({ x: timeline.killAtS + bin.t + 1, y: bin.tokensPerS })),
          },
          {
            name: '3/4 of the 10 s before the kill',
            points: timeline.bins.map((bin) => ({
              x: timeline.killAtS + bin.t + 1,
              y: 0.75 * timeline.beforeTokensPerS,
            })),
          },
        ],
      },
    ],
  });
}

/** What the figures say, in sentences built from them. */
function readings(report: ReplicaBenchmark): string[] {
  const { throughput, ttft, kill } = report;
  const slow = (run: Measured) => run.urls[report.speeds.indexOf(0.5)];
  const share = (run: Measured) => {
    const routed = run.decisions.byReplica[slow(run)] ?? 0;
    return `${routed} of ${run.summary.numRequests} calls (${pct(routed / run.summary.numRequests)})`;
  };
  const fastP95 = (run: Measured) =>
    run.urls.filter((url) => url !== slow(run)).map((url) => f(run.ttftP95ByReplica[url] ?? 0));
  const broken = (run: Measured) =>
    pct(
      (run.decisions.byReason.affinity_broken ?? 0) /
        (run.decisions.byReason.affinity + (run.decisions.byReason.affinity_broken ?? 0) || 1),
    );
  const hitRange = (...runs: Measured[]) => {
    const rates = runs.flatMap((run) => run.engines.map((engine) => engine.prefixCacheHitRate ?? 0));
    return `${pct(Math.min(...rates))} to ${pct(Math.max(...rates))}`;
  };
  return [
    '## What the figures say',
    '',
    `- Throughput: least-loaded weighs each replica by its requests (in flight, and its engine's running and waiting), so a slower replica, which holds its requests longer, is sent fewer: the half-speed one took ${share(throughput.four)} in part 1. ` +
      (throughput.ratio >= 3.3
        ? `${f(throughput.ratio, 2)}x is at the fleet's ceiling of 3.5 (3 + 0.5 replicas), within this machine's noise of it: read it as "the fleet reaches its capacity", not as better than linear. `
        : `${f(throughput.ratio, 2)}x is below the fleet's ceiling of 3.5 (3 + 0.5 replicas): with fewer than 256 requests in flight per replica, each runs smaller batches than one replica alone does. `) +
      `Over each whole run, drain included, ${f(throughput.four.summary.outputThroughput / throughput.one.summary.outputThroughput, 2)}x: the last answers finish alone at the end of both runs, and that tail is a larger share of the shorter one.`,
    `- TTFT: round robin sends the half-speed replica a quarter of the calls (${ttft.roundRobin.decisions.byReplica[slow(ttft.roundRobin)] ?? 0}), more than it serves at this rate, so its queue grows: its TTFT p95 was ${f(ttft.roundRobin.ttftP95ByReplica[slow(ttft.roundRobin)] ?? 0)} ms against ${fastP95(ttft.roundRobin).join(', ')} ms on the others, and the run's p95 is that replica's. ` +
      `Least-loaded sent it ${share(ttft.leastLoaded)} (TTFT p95 ${f(ttft.leastLoaded.ttftP95ByReplica[slow(ttft.leastLoaded)] ?? 0)} ms; the others ${fastP95(ttft.leastLoaded).join(', ')} ms). ` +
      `At p50 round robin can be lower (${f(ttft.roundRobin.summary.ttftMs.p50)} against ${f(ttft.leastLoaded.summary.ttftMs.p50)} ms): it leaves the full-speed replicas emptier, while least-loaded fills them (larger batches, longer steps) to spare the slow one; it also finished the same arrivals sooner (${f(ttft.leastLoaded.summary.durationS, 1)} s against ${f(ttft.roundRobin.summary.durationS, 1)} s, E2EL p95 ${f(ttft.leastLoaded.summary.e2elMs.p95)} against ${f(ttft.roundRobin.summary.e2elMs.p95)} ms).`,
    `- Prefix cache: every request's own case comes right after its system prompt, so what replicas can share is the three system prompts, and each replica holds all three after its first requests. The hit rate is then the system prompt's share of the prompt tokens (${hitRange(ttft.leastLoaded, ttft.roundRobin)} across replicas and strategies in part 2): affinity has nothing to win here, and its margin (4 requests) broke ${broken(ttft.leastLoaded)} of its decisions in part 2. It pays where there are more shared prefixes than a replica's cache keeps, or long ones.`,
    `- Kill: ${kill.run.decisions.byReason.failover ?? 0} calls failed over: those in flight on the killed replica (a connection reset, before their answer) and those routed to it before its breaker opened (5 failures, each a refused connection, at once); each went to another replica at once, so ${kill.run.summary.failed === 0 ? 'none' : kill.run.summary.failed} failed. The three left can carry this load: fleet output was at 3/4 of before or more ${kill.timeline.recoveredAfterS === null ? 'never again' : `within ${kill.timeline.recoveredAfterS} s`} of the kill.`,
    '- Method: a first version ran part 2 at --time-scale 0.5 too; the one Node process parsing every streamed token was then the bottleneck on this shared machine (TTFT p50 of seconds for both strategies), and connections were closed under it ("other side closed", ECONNRESET: most likely the 5 s keep-alive timer of an engine firing while this process stalled), which the router counted as replica failures (failovers, breakers opened). So part 2 runs slower than real time.',
    '',
  ];
}

function markdown(report: ReplicaBenchmark): string {
  const { throughput, ttft, kill } = report;
  const k = kill.run.summary;
  const lost = k.numRequests - k.completed;
  const goal = (met: boolean) => (met ? 'met' : '**missed**');
  return [
    '# Replica routing: 4 simulated vLLM replicas behind @rma/llm-provider',
    '',
    `- Date: ${report.date}`,
    `- Command: \`${report.command}\` (after \`npx nx build local-llm\`)`,
    `- Machine: ${machineLine(join(__dirname, '..', '..'))}; a shared 2-vCPU VM, busy with other work: noisy`,
    `- Engines: local-llm \`--engine sim --profile ${report.profile}\` (vLLM, Llama-3.1-8B FP16 on one A100), prefix caching on, speeds ${report.speeds.join(', ')}; a fresh fleet for each part`,
    `- Client: one LlmClient per run, built by \`llmOptionsFromEnv\` from LLM_VLLM_URLS (the replicas) and LLM_ROUTING; other LLM_* at their defaults (scrape every 1 s, affinity margin 4, breaker 5 failures), chat timeouts raised so queued requests are not cut`,
    `- Load: the services' own prompts: rag-service's answer (4 manual extracts) and notes-service's facts and letter calls, in turn; three shared system prompts; max_tokens ${report.maxTokens} (the sim ends free text after 16-256 tokens, drawn from the prompt and the request's seed: every run gets the same lengths); each replica got one request of each kind first`,
    `- Time: every duration, rate and latency below is simulated GPU time. Parts 1 and 3 ran at --time-scale ${report.timeScale} (wall time = ${report.timeScale} x simulated), part 2 at ${report.streamTimeScale} (wall = ${report.streamTimeScale} x simulated: slower than real time, so that one Node process parsing every streamed token on this shared machine does not add its own lag to TTFT). ` +
      `The client's timers (scrape interval 1 s, breaker) run in wall time: a 1 s scrape is ${f(1 / report.timeScale, 1)} s of simulated time in parts 1 and 3, ${f(1 / report.streamTimeScale, 1)} s in part 2`,
    '',
    '## Goals',
    '',
    '| goal | measured | |',
    '| --- | --- | --- |',
    `| throughput on 4 replicas at least 3.5x one | ${f(throughput.ratio, 2)}x (output tokens/s while loaded: ${f(throughput.fourSteady)} against ${f(throughput.oneSteady)}) | ${goal(throughput.ratio >= 3.5)} |`,
    `| TTFT p95, least-loaded at least 30% below round-robin | ${f(ttft.leastLoaded.summary.ttftMs.p95)} ms against ${f(ttft.roundRobin.summary.ttftMs.p95)} ms: ${pct(ttft.p95Reduction)} lower | ${goal(ttft.p95Reduction >= 0.3)} |`,
    `| a replica killed: no request lost | ${k.completed} answered of ${k.numRequests} sent${lost ? ` (${k.failures.map((x) => `${x.error} ${x.count}`).join(', ')})` : ''} | ${goal(lost === 0)} |`,
    `| throughput back to 3/4 within 5 s | ${kill.timeline.recoveredAfterS === null ? 'never' : `within ${kill.timeline.recoveredAfterS} s`} (${kill.timeline.secondsBelow} s below 3/4 while requests arrived) | ${goal(kill.timeline.recoveredAfterS !== null && kill.timeline.recoveredAfterS <= 5)} |`,
    '',
    '![chart](replica-routing.svg)',
    '',
    ...readings(report),
    `## 1. Throughput: ${throughput.one.summary.numRequests} requests, at most ${throughput.concurrency} in flight`,
    '',
    `The same requests on one full-speed replica, then on the four, at most ${throughput.concurrency} in flight (the generation queue's global limit for four replicas of 256 sequences each). ` +
      'The fleet is 3 + 0.5 = 3.5 replicas of capacity, so 3.5x is its ceiling. Throughput is what the engines generated while every slot was taken (from a quarter of the sending phase to the last request sent); ' +
      "the whole run's figures below include the drain, where the longest answers finish alone.",
    '',
    `| run | output tok/s while loaded |`,
    '| --- | ---: |',
    `| one replica | ${f(throughput.oneSteady)} |`,
    `| 4 replicas, least-loaded | ${f(throughput.fourSteady)} |`,
    '',
    ...RUN_HEAD,
    runRow(throughput.one),
    runRow(throughput.four),
    '',
    ...perReplica(report, throughput.four),
    `## 2. TTFT: least-loaded against round-robin, ${ttft.leastLoaded.summary.numRequests} streamed requests at ${f(ttft.rate, 1)}/s (Poisson, same arrivals)`,
    '',
    "The rate is a share of the fleet's capacity (3.5 x what one replica finished per second in part 1).",
    '',
    ...RUN_HEAD,
    runRow(ttft.leastLoaded),
    runRow(ttft.roundRobin),
    '',
    ...perReplica(report, ttft.leastLoaded),
    ...perReplica(report, ttft.roundRobin),
    `## 3. Replica ${kill.killedUrl.replace('http://127.0.0.1:', ':')} (full speed) SIGKILLed at ${f(kill.timeline.killAtS, 1)} s of ${k.numRequests} requests at ${f(kill.rate, 1)}/s (Poisson)`,
    '',
    'Calls answered whole (`LlmClient.chat`, as a queued job calls): a call on the killed replica fails over to another at once. The load is one the three left can carry. Fleet output is what the engines counted (vllm:generation_tokens_total, read every quarter of a simulated second); answers per second are what the client received.',
    '',
    ...RUN_HEAD,
    runRow(kill.run),
    '',
    ...perReplica(report, kill.run),
    `Before the kill: ${f(kill.timeline.beforeTokensPerS)} output tokens/s (mean of 10 s); lowest second after it ${f(kill.timeline.lowestAfterTokensPerS)}.`,
    '',
    '| second from kill | fleet output tokens/s | answers/s |',
    '| ---: | ---: | ---: |',
    ...kill.timeline.bins.map((bin) => `| ${bin.t} | ${f(bin.tokensPerS)} | ${bin.answersPerS} |`),
    '',
  ].join('\n');
}

/** Writes the markdown report, its chart and the figures as JSON (without per-request records). */
export function writeReport(root: string, report: ReplicaBenchmark): void {
  const dir = join(root, 'benchmarks');
  const strip = (run: Measured): Measured => ({ ...run, records: undefined, samples: undefined }) as Measured;
  const json = {
    ...report,
    throughput: { ...report.throughput, one: strip(report.throughput.one), four: strip(report.throughput.four) },
    ttft: { ...report.ttft, leastLoaded: strip(report.ttft.leastLoaded), roundRobin: strip(report.ttft.roundRobin) },
    kill: { ...report.kill, run: strip(report.kill.run) },
  };
  writeFileSync(join(dir, 'replica-routing.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(dir, 'replica-routing.svg'), chart(report));
  const text = markdown(report);
  writeFileSync(join(dir, 'replica-routing.md'), text);
  process.stdout.write(text);
}
