// Scenario 1: bulk questions (POST /ask/batch) while a generation-worker process is SIGKILLed again and
// again. Lost jobs are read from Redis (BullMQ's job records, found by a marker in each question);
// generations run twice to completion from the LLM server's own count of finished generations (local-llm's
// vllm:request_success_total, which an aborted generation never reaches), never from the queue's claim.
import { startLlmRecorder } from '../llm-recorder';
import { byStatus, latencyOf, metricSum, ms, Sample, timedBatch } from '../load';
import { markedJobs, reasonsOf } from '../redis-jobs';
import type { Scenario, ScenarioContext, ScenarioReport } from '../scenario';
import { AppProcess, ChaosSystem, platformEnv, sleep, waitForStatus } from '../system';

/** How soon before a kill a finished generation may still be unread by the killed worker (a loaded machine). */
const DELIVERY_WINDOW_MS = 1_000;

export const workerKillScenario: Scenario = {
  name: 'worker-kill',
  run: async (context) => {
    const system = new ChaosSystem();
    try {
      return await run(system, context);
    } finally {
      await system.stopAll();
    }
  },
};

interface BatchItem {
  ok: boolean;
  error?: { error?: string; message?: string };
}

async function run(system: ChaosSystem, { short, progress }: ScenarioContext): Promise<ScenarioReport> {
  const jobs = short ? 300 : 1000;
  const kills = short ? 1 : 5;
  const batchSize = 25;
  const limit = 16;
  const maxTokens = 300;
  const killGapMs = short ? 4_000 : 6_000;
  const redis = await system.redis();
  const chroma = await system.chroma();
  const llm = await system.localLlm(['--parallel', '64', '--max-queue', '100000']);
  // Embeddings on a server of their own, so that the chat server's count of finished requests is the
  // count of generations alone.
  const embedder = await system.localLlm();
  // The workers reach the chat server through a recorder that counts finished generations per job.
  const recorder = await startLlmRecorder(llm.url, 'chaos job');
  system.onStop(() => recorder.close());
  const env = {
    ...platformEnv({ redisUrl: redis.url, llmUrl: recorder.url, chromaUrl: chroma.url }),
    LLM_EMBEDDING_URL: embedder.url,
    GENERATION_CONCURRENCY: `fixed:${limit}`,
    ASK_MAX_TOKENS: String(maxTokens),
  };
  const rag = await system.app('rag-service', { ...env, GENERATION_WORKERS: 'false' });
  await waitForStatus(`${rag.url}/health/ready`, 200, { timeoutMs: 60_000, app: rag });
  const workers: AppProcess[] = [
    await system.app('generation-worker', env),
    await system.app('generation-worker', env),
  ];
  progress(`worker-kill: ${jobs} bulk questions in batches of ${batchSize}, ${kills} SIGKILLs`);

  const finishedBefore = await metricSum(llm.url, 'vllm:request_success_total');
  const epoch = Date.now();
  const batches: Promise<Sample>[] = [];
  for (let first = 0; first < jobs; first += batchSize) {
    const questions = Array.from(
      { length: Math.min(batchSize, jobs - first) },
      (_, k) => `chaos job ${first + k}: what happens to priority debts in a DRO?`,
    );
    // A batch this size runs in the background (202): timedBatch polls its job to the end.
    batches.push(timedBatch(`${rag.url}/ask/batch`, { questions }, epoch, 600_000));
  }
  let settledMs = 0;
  const answered: Sample[] = [];
  batches.forEach((batch) => void batch.then((sample) => answered.push(sample)));
  const settled = Promise.all(batches).then(() => {
    settledMs = Date.now() - epoch;
  });

  // Kills alternate between the two processes; the killed one is started again 1 s later, as a
  // supervisor would, so one worker is always up.
  const killTimes: number[] = [];
  for (let k = 0; k < kills; k++) {
    await sleep(killGapMs);
    const index = k % 2;
    await workers[index].kill('SIGKILL');
    killTimes.push(Date.now() - epoch);
    progress(`worker-kill: kill ${k + 1} at ${killTimes.at(-1)} ms`);
    await sleep(1_000);
    workers[index] = await system.restart(workers[index], env);
  }

  // BullMQ recovers a dead worker's jobs once their lock (30 s) lapses and a stalled check runs.
  const boundMs = short ? 150_000 : 300_000;
  await Promise.race([settled, sleep(boundMs)]);
  const samples = [...answered];
  const elapsedMs = settledMs || Date.now() - epoch;
  const jobsInRedis = await markedJobs(redis.url, 'chaos job');
  const finished = (await metricSum(llm.url, 'vllm:request_success_total')) - finishedBefore;

  const items = samples.flatMap((sample) => (sample.body as { results?: BatchItem[] })?.results ?? []);
  const itemErrors = new Map<string, number>();
  for (const item of items.filter((i) => !i.ok)) {
    const key = `${item.error?.error}: ${item.error?.message?.slice(0, 100)}`;
    itemErrors.set(key, (itemErrors.get(key) ?? 0) + 1);
  }
  const lost = jobs - jobsInRedis.completed.size;
  const extraRuns = finished - jobsInRedis.completed.size;
  const twice = [...recorder.finished].filter(([, count]) => count > 1);
  // Why a job finished twice: how many requests it sent, and how long before the next kill its first
  // generation finished. A worker records a result as soon as it has read it, and a run again ends with
  // it; one the server finished moments before the kill may never have been read by the killed worker
  // (its event loop busy on a loaded machine), so its job runs again: that cannot be recorded.
  const beforeKill = (job: number) => {
    const firstMs = (recorder.finishedAt.get(job) ?? [])[0] - epoch;
    const kill = killTimes.find((at) => at >= firstMs);
    return kill === undefined ? undefined : kill - firstMs;
  };
  const inDelivery = twice.filter(([job]) => (beforeKill(job) ?? Infinity) <= DELIVERY_WINDOW_MS);
  const whyTwice = twice.map(([job]) => {
    const gap = beforeKill(job);
    return `job ${job}: ${recorder.sent.get(job) ?? 0} requests, the first finished ${gap === undefined ? 'after the last kill' : `${gap} ms before a kill`}`;
  });
  const perJobTotal = [...recorder.finished.values()].reduce((sum, count) => sum + count, 0);
  const unexpected = system.unexpectedExits();
  const batchLatencies = samples.map(latencyOf);
  const missing = Array.from({ length: jobs }, (_, i) => i).filter((i) => !jobsInRedis.completed.has(i));

  return {
    title: `1. ${jobs.toLocaleString('en')} bulk jobs, a worker process SIGKILLed ${kills} time${kills > 1 ? 's' : ''}`,
    setup: [
      `redis-server, Chroma, local-llm (sim) for chat and a second for embeddings, rag-service without workers, two generation-worker processes; GENERATION_CONCURRENCY=fixed:${limit}, ASK_MAX_TOKENS=${maxTokens}`,
      `${jobs} questions as ${batches.length} POST /ask/batch of ${batchSize} (bulk work), all sent at once`,
      `every ${killGapMs / 1000} s one worker process (alternating) SIGKILLed, started again 1 s later`,
    ],
    figures: [
      `kills at ${killTimes.map((t) => `${(t / 1000).toFixed(1)} s`).join(', ')}`,
      settledMs
        ? `every batch answered after ${(elapsedMs / 1000).toFixed(1)} s; batch latency max ${ms(Math.max(0, ...batchLatencies))}`
        : `${samples.length} of ${batches.length} batches answered (${byStatus(samples)}); the rest not within ${boundMs / 1000} s, when the wait was given up`,
      `the batches' answers: ${items.filter((i) => i.ok).length} ok, ${items.length - items.filter((i) => i.ok).length} failed${itemErrors.size ? ` (${[...itemErrors].map(([e, n]) => `${n}x ${e}`).join('; ')})` : ''}`,
      `jobs in Redis: ${jobsInRedis.all.size} of ${jobs}; completed ${jobsInRedis.completed.size} (${jobsInRedis.stalled} of them found stalled, their worker killed, and run again; ${jobsInRedis.replayed} of those completed with the result their killed run had recorded, without a second generation); failed ${jobsInRedis.failed.size}${jobsInRedis.failed.size ? ` (${reasonsOf(jobsInRedis.failed)})` : ''}`,
      ...(whyTwice.length ? [`finished twice: ${whyTwice.join('; ')}`] : []),
      `generations the chat server finished: ${finished} (local-llm's vllm:request_success_total); per job, through the recorder: ${recorder.finished.size} jobs, ${perJobTotal} finished generations${twice.length ? `; finished twice or more: ${twice.map(([job, count]) => `job ${job} x${count}`).join(', ')}` : ''}`,
      `unexpected process exits: ${unexpected.length ? unexpected.join('; ') : 'none'}`,
    ],
    goals: [
      {
        goal: '0 jobs lost',
        measured: `${lost} lost (${jobsInRedis.failed.size} failed, ${jobs - jobsInRedis.all.size} not in Redis, the rest unfinished)${
          missing.length
            ? `: jobs ${missing
                .slice(0, 10)
                .map(
                  (job) => `${job}${jobsInRedis.unfinished.has(job) ? ` (in ${jobsInRedis.unfinished.get(job)})` : ''}`,
                )
                .join(', ')}`
            : ''
        }`,
        met: lost === 0,
      },
      {
        goal: '0 jobs run twice to completion',
        measured: `${twice.length} jobs finished twice on the LLM server (${inDelivery.length} of them the first time within ${DELIVERY_WINDOW_MS} ms before a kill); ${Math.max(0, extraRuns)} extra finished generations in its own count (${finished} for ${jobsInRedis.completed.size} completed jobs)`,
        met: extraRuns === 0 && twice.length === 0,
        // Only while every double is one the server finished just before a kill: any other fails CI too.
        ...(inDelivery.length === twice.length
          ? {
              knownMiss:
                'generations the LLM server finished just before (up to 1 s) or as a worker was SIGKILLed, not yet recorded by it, ran again; a result a worker has read is recorded and not generated again (open in #14)',
            }
          : {}),
      },
    ],
  };
}
