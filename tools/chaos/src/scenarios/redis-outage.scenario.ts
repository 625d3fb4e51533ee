// Scenario 2: Redis stopped, then frozen (SIGSTOP), while advisers ask questions and bulk jobs wait. A
// request that needs Redis in the outage must be answered within GENERATION_REDIS_WAIT_MS plus 1 s (a 503
// with Retry-After); every bulk job accepted before the outage completes after it (read from Redis's own
// job records); no process exits.
import { byStatus, latencyOf, ms, openLoop, percentile, Sample, timedBatch } from '../load';
import { markedJobs, reasonsOf } from '../redis-jobs';
import type { Scenario, ScenarioContext, ScenarioReport } from '../scenario';
import { ChaosSystem, platformEnv, sleep, waitForStatus } from '../system';

const REDIS_WAIT_MS = 2_000;

export const redisOutageScenario: Scenario = {
  name: 'redis-outage',
  run: async (context) => {
    const system = new ChaosSystem();
    try {
      return await run(system, context);
    } finally {
      await system.stopAll();
    }
  },
};

interface Window {
  name: string;
  fromMs: number;
  toMs: number;
}

async function run(system: ChaosSystem, { short, progress }: ScenarioContext): Promise<ScenarioReport> {
  const stopMs = short ? 4_000 : 10_000;
  const freezeMs = short ? 6_000 : 45_000;
  const settleMs = short ? 4_000 : 8_000;
  const perSecond = 3;
  const bulkJobs = short ? 60 : 200;
  const redis = await system.redis({ persistent: true });
  const chroma = await system.chroma();
  const llm = await system.localLlm(['--parallel', '32', '--max-queue', '100000']);
  const env = {
    ...platformEnv({ redisUrl: redis.url, llmUrl: llm.url, chromaUrl: chroma.url }),
    GENERATION_CONCURRENCY: 'fixed:16',
    GENERATION_REDIS_WAIT_MS: String(REDIS_WAIT_MS),
  };
  const rag = await system.app('rag-service', { ...env, GENERATION_WORKERS: 'false' });
  const worker = await system.app('generation-worker', env);
  // The manuals are loaded at start; the first answer proves the whole path.
  await waitForStatus(`${rag.url}/health/ready`, 200, { timeoutMs: 60_000, app: rag });
  const pids = [rag.child.pid, worker.child.pid];

  const epoch = Date.now();
  const now = () => Date.now() - epoch;
  const windows: Window[] = [];
  let done = false;
  const load = openLoop({
    url: `${rag.url}/ask`,
    perSecond,
    epoch,
    payload: (i) => ({ question: `Who can get a DRO, and what is the debt limit? (question ${i})` }),
    until: () => done,
  });
  const readiness: { atMs: number; status: number }[] = [];
  const probe = (async () => {
    while (!done) {
      const atMs = now();
      const status = await fetch(`${rag.url}/health/ready`, { signal: AbortSignal.timeout(5_000) }).then(
        (response) => response.status,
        () => 0,
      );
      readiness.push({ atMs, status });
      await sleep(500);
    }
  })();

  // Bulk work accepted before the outage, some of it still waiting when Redis goes. The batches'
  // jobs (202) are polled to their end; what Redis took is read from Redis.
  const batches: Promise<Sample>[] = [];
  for (let first = 0; first < bulkJobs; first += 20) {
    const questions = Array.from(
      { length: 20 },
      (_, k) => `chaos bulk ${first + k}: what are the Breathing Space rules?`,
    );
    batches.push(timedBatch(`${rag.url}/ask/batch`, { questions }, epoch, 600_000));
  }
  await sleep(3_000);
  const beforeOutage = await markedJobs(redis.url, 'chaos bulk');
  const accepted = beforeOutage.all;

  progress(`redis-outage: stopping Redis for ${stopMs / 1000} s`);
  const stopFrom = now();
  await redis.stop();
  await sleep(stopMs);
  await redis.start();
  windows.push({ name: `stopped ${stopMs / 1000} s`, fromMs: stopFrom, toMs: now() });
  await sleep(settleMs);

  progress(`redis-outage: freezing Redis for ${freezeMs / 1000} s`);
  const freezeFrom = now();
  redis.freeze();
  await sleep(freezeMs);
  redis.thaw();
  windows.push({ name: `frozen ${freezeMs / 1000} s`, fromMs: freezeFrom, toMs: now() });
  await sleep(settleMs);
  done = true;
  const samples = await load;
  await probe;

  // Every bulk job Redis had taken before the outage, from its own records, once they had time to finish.
  const completedOf = async () => {
    const jobs = await markedJobs(redis.url, 'chaos bulk');
    return { jobs, done: [...accepted].filter((marker) => jobs.completed.has(marker)).length };
  };
  const waitUntil = Date.now() + (short ? 30_000 : 90_000);
  let bulk = await completedOf();
  while (bulk.done < accepted.size && Date.now() < waitUntil) {
    await sleep(1_000);
    bulk = await completedOf();
  }
  const completed = bulk.done;
  const failedBulk = [...accepted].filter((marker) => bulk.jobs.failed.has(marker)).length;
  const batchAnswers = await Promise.race([Promise.all(batches), sleep(2_000).then(() => undefined)]);

  const boundMs = REDIS_WAIT_MS + 1_000;
  const inWindow = (sample: Sample, window: Window) => sample.startMs >= window.fromMs && sample.startMs <= window.toMs;
  const inFlightAt = (sample: Sample, window: Window) => sample.startMs < window.fromMs && sample.endMs > window.fromMs;
  const perWindow = windows.map((window) => {
    const during = samples.filter((sample) => inWindow(sample, window));
    const late = during.filter((sample) => latencyOf(sample) > boundMs);
    const without = during.filter((sample) => sample.status === 503 && !sample.retryAfter);
    const inFlight = samples.filter((sample) => inFlightAt(sample, window));
    const readyDuring = readiness.filter((r) => r.atMs >= window.fromMs + 500 && r.atMs <= window.toMs);
    return { window, during, late, without, inFlight, readyDuring };
  });
  const after = samples.filter((sample) => sample.startMs > windows[1].toMs + 2_000);
  const firstOkAfter = (window: Window) =>
    samples.filter((s) => s.startMs > window.toMs && s.status === 200).map((s) => s.startMs - window.toMs)[0];
  const unexpected = system.unexpectedExits();
  const samePids = rag.child.pid === pids[0] && worker.child.pid === pids[1] && unexpected.length === 0;
  const allDuring = perWindow.flatMap((w) => w.during);
  const allLate = perWindow.flatMap((w) => w.late);
  const missingRetryAfter = perWindow.flatMap((w) => w.without);

  return {
    title: `2. Redis stopped ${stopMs / 1000} s, then frozen (SIGSTOP) ${freezeMs / 1000} s, under load`,
    setup: [
      'redis-server (append-only file), Chroma, local-llm (sim), rag-service (GENERATION_WORKERS=false) and one generation-worker, GENERATION_CONCURRENCY=fixed:16',
      `load: POST /ask at ${perSecond}/s throughout (open loop); ${bulkJobs} questions as POST /ask/batch of 20 (bulk work) sent 3 s before the outage`,
      `Redis stopped with SIGTERM and started again on the same port and data after ${stopMs / 1000} s; ${settleMs / 1000} s later frozen with SIGSTOP for ${freezeMs / 1000} s, then SIGCONT`,
      `bound: GENERATION_REDIS_WAIT_MS (${REDIS_WAIT_MS} ms) + 1 s = ${boundMs} ms, for requests sent while Redis was down or frozen`,
    ],
    figures: [
      ...perWindow.flatMap(({ window, during, inFlight, readyDuring }) => [
        `${window.name}: ${during.length} requests sent in it: ${byStatus(during)}; latency p50 ${ms(percentile(during.map(latencyOf), 50))}, max ${ms(Math.max(...during.map(latencyOf)))}`,
        `${window.name}: ${inFlight.length} requests already in flight when it began: ${byStatus(inFlight)}; max latency ${ms(Math.max(0, ...inFlight.map(latencyOf)))} (their jobs were taken before the outage, so they wait for the result, up to ASK_TIMEOUT_MS)`,
        `${window.name}: readiness answered ${byStatusOf(readyDuring.map((r) => r.status))} while it lasted; first /ask 200 ${ms(firstOkAfter(window) ?? Number.NaN)} after Redis was back`,
      ]),
      `after the outage (from 2 s after the thaw): ${after.length} requests: ${byStatus(after)}; p50 ${ms(percentile(after.map(latencyOf), 50))}`,
      `bulk jobs Redis had taken 3 s after the batches were sent (before the outage): ${accepted.size} of ${bulkJobs}, ${accepted.size - beforeOutage.completed.size} of them not yet completed; ${completed} of them completed afterwards, ${failedBulk} failed${failedBulk ? ` (${reasonsOf(bulk.jobs.failed)})` : ''}`,
      `the ${batches.length} POST /ask/batch requests: ${batchAnswers ? byStatus(batchAnswers) : 'not all answered 2 s after the jobs were checked'}`,
      `unexpected process exits: ${unexpected.length ? unexpected.join('; ') : 'none'}`,
    ],
    goals: [
      {
        goal: `every request sent in the outage answered within ${boundMs} ms`,
        measured: `${allDuring.length - allLate.length} of ${allDuring.length}; slowest ${ms(Math.max(0, ...allDuring.map(latencyOf)))}${allLate.length ? `; late: ${byStatus(allLate)}` : ''}`,
        met: allDuring.length > 0 && allLate.length === 0,
      },
      {
        goal: 'every 503 in the outage carries Retry-After',
        measured: `${missingRetryAfter.length} without`,
        met: missingRetryAfter.length === 0,
      },
      {
        goal: 'every job accepted before completes afterwards',
        measured: `${completed} of ${accepted.size}`,
        met: accepted.size > 0 && completed === accepted.size,
      },
      {
        goal: 'no process restarted',
        measured: samePids ? 'same pids, no exits' : unexpected.join('; '),
        met: samePids,
      },
    ],
  };
}

function byStatusOf(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return (
    [...counts].map(([status, count]) => `${status === 0 ? 'no answer' : status} x${count}`).join(', ') || 'not probed'
  );
}
