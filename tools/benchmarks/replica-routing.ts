// Issue #15's replica benchmarks, routed by @rma/llm-provider itself: four simulated vLLM replicas
// (local-llm's A100 profile, one at half speed, prefix caching on) behind one LlmClient configured with
// LLM_VLLM_URLS, under the services' own prompts (replica-routing-load.ts). Three parts:
//   1. throughput: the same requests, 1024 in flight, on one replica, then on the four (least loaded);
//   2. TTFT: a Poisson load streamed with LLM_ROUTING=least-loaded, then round-robin (same arrivals);
//   3. a replica SIGKILLed mid-run: every answer counted, and fleet throughput per second around the kill.
// Writes benchmarks/replica-routing.{md,json,svg}.
//
//   npx nx build local-llm   # once
//   node tools/scripts/ts-run.cjs tools/benchmarks/replica-routing.ts   # about 11 min on a shared 2-vCPU VM
// Flags: --time-scale 0.5 (parts 1, 3), --stream-time-scale 2 (part 2), --throughput-requests 1300,
// --concurrency 1024, --requests 900 (parts 2, 3), --ttft-load 0.8 and --kill-load 0.6 (of the fleet's
// capacity), --max-tokens 256, --seed 1.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { RoutingStrategy } from '@rma/llm-provider';
import { counterSum, engineSnapshot } from '../bench/src/engine-metrics.ts';
import type { EngineFigures } from '../bench/src/engine-metrics.ts';
import { percentile, summarize } from '../bench/src/metrics.ts';
import type { RunSummary } from '../bench/src/metrics.ts';
import { runArrivals } from '../bench/src/runner.ts';
import type { RequestOutcome, RequestRecord } from '../bench/src/runner.ts';
import { startSimEngine } from '../bench/src/sim-engines.ts';
import type { SimEngine } from '../bench/src/sim-engines.ts';
import { answered, clientFor, mixedLoad, requestAt, routeDecisions, streamed } from './replica-routing-load';
import type { LoadRequest } from './replica-routing-load';
import { killTimeline, steadyThroughput, writeReport } from './replica-routing-report';
import type { Measured, ReplicaBenchmark, TokenSample } from './replica-routing-report';

const { values: flags } = parseArgs({
  options: {
    'time-scale': { type: 'string', default: '0.5' },
    'stream-time-scale': { type: 'string', default: '2' },
    'throughput-requests': { type: 'string', default: '1300' },
    concurrency: { type: 'string', default: '1024' },
    requests: { type: 'string', default: '900' },
    'ttft-load': { type: 'string', default: '0.8' },
    'kill-load': { type: 'string', default: '0.6' },
    'max-tokens': { type: 'string', default: '256' },
    seed: { type: 'string', default: '1' },
  },
});
// Parts 1 and 3 are answered whole, cheap for the client: the engines run faster than real time. Part 2
// streams every token through LangChain to one Node client sharing two cores with four engines: slower
// than real time, so that TTFT is the engines' and the router's, not this process's event loop lag.
const timeScale = Number(flags['time-scale']);
const streamTimeScale = Number(flags['stream-time-scale']);
const throughputRequests = Number(flags['throughput-requests']);
const concurrency = Number(flags.concurrency);
const requests = Number(flags.requests);
const maxTokens = Number(flags['max-tokens']);
const seed = Number(flags.seed);
const root = join(__dirname, '..', '..');
const SPEEDS = [1, 1, 1, 0.5];
const PROFILE = 'vllm-a100-8b';
// The replica killed in part 3: a full-speed one (not the one measured alone in part 1).
const KILLED = 1;

/** Runs `numRequests` of the load at `rate` (per simulated second; Infinity: all at once) through a new client. */
let runs = 0;

async function measure(options: {
  label: string;
  urls: string[];
  routing: RoutingStrategy;
  load: LoadRequest[];
  numRequests: number;
  rate: number;
  concurrency?: number;
  call: 'stream' | 'chat';
  timeScale: number;
  /** Called as the first request is sent, with the wall ms from the token sampler's start. */
  duringRun?: (runOffsetMs: number) => void;
}): Promise<Measured & { records: RequestRecord[]; samples: TokenSample[]; runOffsetMs: number }> {
  const { timeScale } = options;
  const { client, registry } = clientFor({ urls: options.urls, routing: options.routing });
  const engines = await engineSnapshot(options.urls, {});
  const sampler = await tokenSampler(options.urls, Math.max(50, 250 * timeScale));
  const servedBy: string[] = [];
  const run = ++runs;
  const send = (index: number): Promise<RequestOutcome> => {
    const chat = requestAt(options.load, index, run);
    const onServed = (url: string) => (servedBy[index] = url);
    return options.call === 'stream' ? streamed(client, chat, onServed) : answered(client, chat, onServed);
  };
  const runOffsetMs = performance.now() - sampler.started;
  options.duringRun?.(runOffsetMs);
  const result = await runArrivals({
    load: {
      numRequests: options.numRequests,
      requestRate: options.rate / timeScale,
      concurrency: options.concurrency,
      seed,
    },
    send,
  });
  const samples = await sampler.stop();
  const figures: EngineFigures[] = await engines();
  const decisions = await routeDecisions(registry);
  client.close();
  const summary: RunSummary = summarize({ ...result, timeScale });
  process.stdout.write(
    `${options.label}: ${summary.completed}/${summary.numRequests} answered in ${summary.durationS.toFixed(1)} s ` +
      `(simulated), ${summary.outputThroughput.toFixed(0)} output tok/s, TTFT p95 ${summary.ttftMs.p95.toFixed(0)} ms\n`,
  );
  return {
    label: options.label,
    routing: options.routing,
    urls: options.urls,
    streamed: options.call === 'stream',
    summary,
    engines: figures,
    decisions,
    ttftP95ByReplica: Object.fromEntries(
      options.urls.map((url) => [
        url,
        percentile(
          result.records
            .filter((record) => record.ok && servedBy[record.index] === url)
            .map((record) => record.ttftMs / timeScale),
          95,
        ),
      ]),
    ),
    records: result.records,
    samples,
    runOffsetMs,
  };
}

/** One request of each kind to each replica first: every prefix cache holds the three system prompts. */
async function warm(urls: string[], load: LoadRequest[]): Promise<void> {
  const firstOfKind = [...new Map(load.map((request, index) => [request.kind, index])).values()];
  for (const url of urls) {
    const { client } = clientFor({ urls: [url], routing: 'least-loaded' });
    for (const index of firstOfKind) await answered(client, { ...load[index].chat, maxTokens: 8 });
    client.close();
  }
}

const readTokens = async (url: string, timeoutMs: number) => {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  return counterSum(await response.text(), 'vllm:generation_tokens_total');
};

/**
 * Every replica's generated tokens, read every `everyMs` of wall time until stopped. Each starts from a
 * reading taken before the run (a count missing at first would jump in later as if generated then); a
 * read that fails keeps the last count (a dead replica's stays where it was).
 */
async function tokenSampler(urls: string[], everyMs: number) {
  const last = await Promise.all(urls.map((url) => readTokens(url, 10_000)));
  const samples: TokenSample[] = [];
  let running = true;
  const started = performance.now();
  samples.push({ atMs: 0, tokens: last.reduce((sum, value) => sum + value, 0) });
  const loop = (async () => {
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      await Promise.all(
        urls.map(async (url, i) => {
          last[i] = await readTokens(url, 1_000).catch(() => last[i]);
        }),
      );
      samples.push({ atMs: performance.now() - started, tokens: last.reduce((sum, value) => sum + value, 0) });
    }
  })();
  return {
    started,
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

async function main() {
  const started: SimEngine[] = [];
  const load = mixedLoad(root, maxTokens);
  /** A fresh fleet for each part (empty caches, the part's time scale), warmed. */
  const startFleet = async (scale: number) => {
    const fleet: SimEngine[] = [];
    for (const speed of SPEEDS) {
      fleet.push(await startSimEngine({ workspaceRoot: root, profile: PROFILE, timeScale: scale, speed }));
      started.push(fleet[fleet.length - 1]);
    }
    await warm(
      fleet.map((engine) => engine.url),
      load,
    );
    return fleet;
  };
  const stopFleet = (fleet: SimEngine[]) => Promise.all(fleet.map((engine) => engine.stop().catch(() => undefined)));
  try {
    let fleet = await startFleet(timeScale);
    let urls = fleet.map((engine) => engine.url);

    // 1. Throughput: the same requests, at most `concurrency` in flight (the generation queue's global limit
    // for four replicas of 256 sequences), on one full-speed replica, then on the four.
    const closedLoop = (label: string, runUrls: string[]) =>
      measure({
        label,
        urls: runUrls,
        routing: 'least-loaded',
        load,
        numRequests: throughputRequests,
        rate: Infinity,
        concurrency,
        call: 'chat',
        timeScale,
      });
    const one = await closedLoop('one replica', urls.slice(0, 1));
    const four = await closedLoop('4 replicas, least-loaded', urls);
    const [oneSteady, fourSteady] = [steadyThroughput(one, timeScale), steadyThroughput(four, timeScale)];
    const throughputUrls = urls;
    await stopFleet(fleet);

    // 2. TTFT under a Poisson load, a share of the fleet's capacity (3.5 replicas' worth of the one measured).
    const perRequest = one.summary.totalOutputTokens / one.summary.completed;
    const capacity = (oneSteady / perRequest) * SPEEDS.reduce((sum, speed) => sum + speed, 0);
    const ttftRate = capacity * Number(flags['ttft-load']);
    fleet = await startFleet(streamTimeScale);
    urls = fleet.map((engine) => engine.url);
    const ttftUrls = urls;
    const poisson = (routing: RoutingStrategy) =>
      measure({
        label: `4 replicas, ${routing}`,
        urls,
        routing,
        load,
        numRequests: requests,
        rate: ttftRate,
        call: 'stream',
        timeScale: streamTimeScale,
      });
    const leastLoaded = await poisson('least-loaded');
    const roundRobin = await poisson('round-robin');
    await stopFleet(fleet);

    // 3. A full-speed replica SIGKILLed halfway through the arrivals of a load the other three can carry.
    const killRate = capacity * Number(flags['kill-load']);
    const killAfterS = requests / killRate / 2;
    fleet = await startFleet(timeScale);
    urls = fleet.map((engine) => engine.url);
    const killFleet = fleet;
    let killedAtMs = 0;
    const killed = await measure({
      label: `4 replicas, one killed at ${killAfterS.toFixed(0)} s`,
      urls,
      routing: 'least-loaded',
      load,
      numRequests: requests,
      rate: killRate,
      call: 'chat',
      timeScale,
      duringRun: (runOffsetMs) => {
        setTimeout(
          () => {
            killedAtMs = runOffsetMs + killAfterS * 1000 * timeScale;
            process.kill(killFleet[KILLED].pid, 'SIGKILL');
            process.stdout.write(`killed ${urls[KILLED]} (pid ${killFleet[KILLED].pid})\n`);
          },
          killAfterS * 1000 * timeScale,
        );
      },
    });

    const report: ReplicaBenchmark = {
      date: new Date().toISOString(),
      command:
        `node tools/scripts/ts-run.cjs tools/benchmarks/replica-routing.ts ${process.argv.slice(2).join(' ')}`.trim(),
      timeScale,
      streamTimeScale,
      profile: PROFILE,
      speeds: SPEEDS,
      fleets: { throughput: throughputUrls, ttft: ttftUrls, kill: urls },
      maxTokens,
      seed,
      throughput: { one, four, concurrency, oneSteady, fourSteady, ratio: fourSteady / oneSteady },
      ttft: {
        rate: ttftRate,
        leastLoaded,
        roundRobin,
        p95Reduction: 1 - leastLoaded.summary.ttftMs.p95 / roundRobin.summary.ttftMs.p95,
      },
      kill: {
        rate: killRate,
        killedUrl: urls[KILLED],
        run: killed,
        timeline: killTimeline({ ...killed, killedAtMs, timeScale, arrivalsEndS: requests / killRate }),
      },
    };
    writeReport(root, report);
  } finally {
    await stopFleet(started);
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
