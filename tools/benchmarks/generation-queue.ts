// Benchmarks of @rma/generation-queue against local-llm's simulated GPU engines (time-scaled; every
// duration and rate below is converted to simulated time) and real Redis. Prints and writes
// benchmarks/generation-queue.md.
//
//   node tools/scripts/ts-run.cjs tools/benchmarks/generation-queue.ts [--only saturation,headline,priority,overhead]
//        [--time-scale 0.05]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { GenerationQueue, GenerationQueueOptions, GenerationRequest } from '@rma/generation-queue';
import { LlmClient } from '@rma/llm-provider';
import { testOptions } from '@rma/llm-provider/testing';
import { metricValue, startLocalLlm, StartedServer } from '@rma/testing';
import { Redis } from 'ioredis';
// Percentiles as tools/bench reports them (interpolated between ranks, as numpy and vllm bench do).
import { percentile } from '../bench/src/metrics.ts';

const { values: flags } = parseArgs({
  options: {
    only: { type: 'string', default: 'saturation,headline,priority,overhead' },
    'time-scale': { type: 'string', default: '0.1' },
  },
});
const scale = Number(flags['time-scale']);
const only = new Set(flags.only.split(','));
const root = join(__dirname, '..', '..');
const lines: string[] = [];
const say = (line = '') => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};

const ask = (i: number, maxTokens: number): GenerationRequest => ({
  messages: [{ role: 'user', content: `Question ${i}: what are my options for priority debts?` }],
  maxTokens,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A series that has not been written yet (a counter before its first request) reads as 0. */
const metric = (url: string, name: string) => metricValue(url, name).catch(() => 0);

let redisUrl = '';
async function freshQueue(
  llmUrl: string,
  overrides: Partial<GenerationQueueOptions>,
): Promise<{ queue: GenerationQueue; llm: LlmClient }> {
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  redis.disconnect();
  const llm = new LlmClient(
    testOptions({ provider: 'vllm', vllmUrl: llmUrl, ollamaUrl: llmUrl, retry: { maxAttempts: 2 } }),
  );
  const queue = new GenerationQueue({
    redisUrl,
    llm,
    concurrency: { mode: 'adaptive', initial: 8, min: 1, max: 1024 },
    // The controller ticks every 500 ms of simulated time, as it would every 500 ms against a real GPU.
    controllerTickMs: Math.max(10, 500 * scale),
    bulkAgingMs: 60_000,
    ...overrides,
  });
  await queue.start();
  return { queue, llm };
}

/** Servers this run started: stopped at the end even when a section fails, so none outlives the script. */
const servers: StartedServer[] = [];
async function simServer(profile: string, args = ['--time-scale', String(scale)]): Promise<StartedServer> {
  const server = await startLocalLlm(['--engine', 'sim', '--profile', profile, '--max-queue', '100000', ...args]);
  servers.push(server);
  return server;
}

/** Output tokens/s in simulated time while `work` runs, and samples of the engine's waiting queue. */
async function measure(
  server: StartedServer,
  work: Promise<unknown>,
  queue?: GenerationQueue,
  sampleMs = Math.max(20, 1000 * scale),
) {
  const samples: { simSeconds: number; tokens: number; waiting: number; running: number; backlog: number }[] = [];
  const started = performance.now();
  // The engine's own simulated clock, not wall time / scale: exact even when this 2-core machine lags.
  const clockAtStart = await metric(server.url, 'local_llm_simulation_clock_seconds');
  let done = false;
  void work.finally(() => (done = true));
  while (!done) {
    samples.push({
      simSeconds: (await metric(server.url, 'local_llm_simulation_clock_seconds')) - clockAtStart,
      tokens: await metric(server.url, 'vllm:generation_tokens_total'),
      waiting: await metric(server.url, 'vllm:num_requests_waiting'),
      running: await metric(server.url, 'vllm:num_requests_running'),
      backlog: queue ? await queue.counts().then((c) => c.interactive + c.bulk) : 0,
    });
    await sleep(sampleMs);
  }
  await work;
  const simSeconds = (performance.now() - started) / 1000 / scale;
  return { samples, simSeconds };
}

const rate = (samples: { simSeconds: number; tokens: number }[], from: number, to: number) =>
  (samples[to].tokens - samples[from].tokens) / Math.max(samples[to].simSeconds - samples[from].simSeconds, 1e-9);

async function saturation() {
  const server = await simServer('vllm-a100-8b');
  const jobs = 500;
  const maxTokens = 128;
  say(
    '## Saturation: a backlog of 500 jobs against the simulated vllm-a100-8b engine (max_num_seqs 256, unknown to the controller)',
  );
  say();
  say('| concurrency | output tok/s (best 10 s window) | engine waiting p50 (while backlog) |');
  say('| --- | ---: | ---: |');
  // Sustained rate: output tokens over a sliding 10 s (simulated) window; a run's peak is its best window.
  type Sample = { simSeconds: number; tokens: number; waiting: number; backlog: number };
  const windowRates = (samples: Sample[]) =>
    samples.map((sample, i) => {
      const j = samples.findIndex((earlier) => earlier.simSeconds >= sample.simSeconds - 10);
      return j >= 0 && sample.simSeconds - samples[j].simSeconds >= 9 ? rate(samples, j, i) : 0;
    });
  let best = 0;
  for (const limit of [64, 128, 256, 320]) {
    const { queue } = await freshQueue(server.url, { concurrency: { mode: 'fixed', limit } });
    const { samples } = await measure(
      server,
      queue.generateMany(Array.from({ length: jobs }, (_, i) => ask(i, maxTokens))),
      queue,
    );
    await queue.close();
    const peak = Math.max(...windowRates(samples));
    best = Math.max(best, peak);
    say(
      `| fixed ${limit} | ${peak.toFixed(0)} | ${percentile(
        samples.filter((sample) => sample.backlog > 0).map((sample) => sample.waiting),
        50,
      )} |`,
    );
  }
  const { queue } = await freshQueue(server.url, {});
  const { samples } = await measure(
    server,
    queue.generateMany(Array.from({ length: jobs }, (_, i) => ask(i, maxTokens))),
    queue,
  );
  await queue.close();
  const rates = windowRates(samples);
  const reached = rates.findIndex((value) => value >= best * 0.9);
  const peak = Math.max(...rates);
  // The engine's queue once the controller has ramped up, while a backlog remains.
  const settled = samples
    .filter((sample, i) => i >= Math.max(reached, 0) && sample.backlog > 0)
    .map((sample) => sample.waiting);
  const inRange = settled.filter((waiting) => waiting >= 1 && waiting <= 8).length / Math.max(settled.length, 1);
  say(`| adaptive | ${peak.toFixed(0)} | ${percentile(settled, 50)} |`);
  say();
  say(
    `Adaptive: peak ${peak.toFixed(0)} tok/s = ${((peak / best) * 100).toFixed(0)}% of the best fixed (${best.toFixed(0)}); ` +
      `a 10 s window first reached 90% of it at ${reached >= 0 ? samples[reached].simSeconds.toFixed(1) : 'never'} s (simulated, from the start of the backlog); ` +
      `after that, while a backlog remained, the engine's waiting queue was in 1..8 for ${(inRange * 100).toFixed(0)}% of ${settled.length} samples; final limit ${queue.currentLimit}.`,
  );
  say();
  await server.stop();
}

async function headline() {
  say("## The headline: 100 questions through the queue against one at a time (the old system's way)");
  say();
  say('| engine profile | one at a time, s | through the queue, s | speed-up |');
  say('| --- | ---: | ---: | ---: |');
  for (const profile of ['vllm-a100-8b', 'ollama-default']) {
    const server = await simServer(profile);
    const { queue, llm } = await freshQueue(server.url, {});
    const questions = Array.from({ length: 100 }, (_, i) => ask(i, 64));
    let started = performance.now();
    for (const question of questions) await llm.chat(question);
    const sequential = (performance.now() - started) / 1000 / scale;
    started = performance.now();
    const results = await queue.generateMany(questions);
    const queued = (performance.now() - started) / 1000 / scale;
    await queue.close();
    await server.stop();
    const failed = results.filter((item) => !item.ok).length;
    say(
      `| ${profile} | ${sequential.toFixed(1)} | ${queued.toFixed(1)}${failed ? ` (${failed} failed)` : ''} | ${(sequential / queued).toFixed(1)}x |`,
    );
  }
  say();
}

async function priority() {
  const server = await simServer('vllm-a100-8b');
  const { queue } = await freshQueue(server.url, {});
  // Bulk answers of natural length: the simulated model stops after 16 to 256 tokens.
  const bulk = queue.generateMany(Array.from({ length: 1000 }, (_, i) => ask(i, 256)));
  await sleep(20_000 * scale);
  let draining = true;
  void bulk.finally(() => (draining = false));
  // An adviser's question every simulated second while the bulk run drains, not waiting for each other.
  const interactive: Promise<number>[] = [];
  while (draining && interactive.length < 120) {
    interactive.push(queue.generate(ask(interactive.length, 16)).then((result) => result.timings.queueMs / scale));
    await sleep(1_000 * scale);
  }
  const waits = await Promise.all(interactive);
  const items = await bulk;
  await queue.close();
  await server.stop();
  say('## Priority: interactive jobs while 1,000 bulk jobs drain (simulated vllm-a100-8b, adaptive limit)');
  say();
  say(
    `Interactive queue wait over ${waits.length} jobs, one a simulated second (simulated ms): p50 ${percentile(waits, 50).toFixed(0)}, ` +
      `p95 ${percentile(waits, 95).toFixed(0)}, max ${Math.max(...waits).toFixed(0)} (goal: p95 under 200). ` +
      `Bulk: ${items.filter((item) => item.ok).length} of 1,000 completed.`,
  );
  say();
}

async function overhead() {
  // An engine that answers at once: the fast profile run 10,000 times faster than its own clock.
  const server = await simServer('fast', ['--time-scale', '0.0001', '--parallel', '256']);
  const { queue, llm } = await freshQueue(server.url, { concurrency: { mode: 'fixed', limit: 64 } });
  const request = ask(1, 1);
  for (let i = 0; i < 30; i += 1) {
    await llm.chat(request);
    await queue.generate(request);
  }
  const added: number[] = [];
  for (let i = 0; i < 300; i += 1) {
    let t = performance.now();
    await llm.chat(request);
    const direct = performance.now() - t;
    t = performance.now();
    await queue.generate(request);
    added.push(performance.now() - t - direct);
  }
  const started = performance.now();
  const results = await queue.generateMany(Array.from({ length: 2000 }, () => request));
  const jobsPerSecond = results.length / ((performance.now() - started) / 1000);
  await queue.close();
  await server.stop();
  say('## Overhead: queued against a direct LlmClient call, with an instant backend (wall time, not scaled)');
  say();
  say(
    `Added latency over 300 alternating pairs: p50 ${percentile(added, 50).toFixed(2)} ms, p99 ${percentile(added, 99).toFixed(2)} ms (goal: p50 under 3). Throughput: ${jobsPerSecond.toFixed(0)} jobs/s (2,000 jobs, limit 64, workers in this process).`,
  );
  say();
}

async function main() {
  const serverTools = (await import(pathToFileURL(join(root, 'tools/servers/servers.mjs')).href)) as {
    startRedis: () => Promise<{ url: string; stop: () => Promise<void> }>;
  };
  const redis = await serverTools.startRedis();
  redisUrl = redis.url;
  say('# @rma/generation-queue benchmarks');
  say();
  say(`- Date: ${new Date().toISOString()}`);
  say(
    `- Command: \`${['node tools/scripts/ts-run.cjs tools/benchmarks/generation-queue.ts', ...process.argv.slice(2)].join(' ')}\``,
  );
  say(
    `- Engine: apps/local-llm --engine sim, --time-scale ${scale}: durations and rates are in simulated GPU time (wall / ${scale}), except the overhead section`,
  );
  say('- Redis: a throw-away redis-server 7 on loopback; queue, workers and controller in this one process');
  say("- Machine: this project's 2-vCPU CI VM (shared); client, server and Redis share its two cores");
  say();
  try {
    if (only.has('saturation')) await saturation();
    if (only.has('headline')) await headline();
    if (only.has('priority')) await priority();
    if (only.has('overhead')) await overhead();
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await redis.stop();
  }
  mkdirSync(join(root, 'benchmarks'), { recursive: true });
  writeFileSync(join(root, 'benchmarks/generation-queue.md'), `${lines.join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
