import { LlmClient, parseVllmMetrics } from '@rma/llm-provider';
import { testOptions } from '@rma/llm-provider/testing';
import { eventually, StartedServer, startLocalLlm } from '@rma/testing';
import { Job, Worker } from 'bullmq';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { redisOptionsFromUrl } from '@rma/service-core';
import {
  BULK_ACTIVE_KEY,
  BULK_CAP_KEY,
  BULK_PARKED_KEY,
  BULK_WAKING_KEY,
  CLASS_PRIORITY,
  CONTROLLER_STATE_KEY,
  GENERATE_JOB_NAME,
  GENERATION_QUEUE_NAME,
  QUEUE_PREFIX,
} from './generation-queue.constants';
import { GenerationGovernor, GenerationGovernorOptions } from './generation.governor';
import { flushQueueRedis, jobPayload, queueConnections, queueRedisUrl } from './queue-test-kit';
import { QueueMetrics } from './queue-metrics';
import type { ReplicaLoad, ReplicaLoadSource } from './replica-loads';

// The governor alone on a real Redis: no workers, so jobs stay where it puts them.
let connections: Awaited<ReturnType<typeof queueConnections>>;
const governors: GenerationGovernor[] = [];

async function started(options: GenerationGovernorOptions, replicas?: ReplicaLoadSource): Promise<GenerationGovernor> {
  const { queue, redis } = connections;
  const sut = new GenerationGovernor(options, {
    queue,
    redis,
    replicas,
    metrics: new QueueMetrics(new Registry()),
    counts: async () => ({ interactive: 0, bulk: 0, active: 0 }),
  });
  governors.push(sut);
  await sut.start();
  return sut;
}

beforeEach(async () => {
  await flushQueueRedis();
  connections = await queueConnections();
});
afterEach(async () => {
  for (const governor of governors.splice(0)) {
    governor.stop();
    await governor.releaseLeadership();
  }
  await connections.close();
});

describe(GenerationGovernor.name, () => {
  it('sets the global limit in Redis, and a bulk cap under it that keeps slots free for interactive work', async () => {
    await started({ concurrency: { mode: 'fixed', limit: 10 }, interactiveReserve: 0.2 });

    expect(await connections.queue.getGlobalConcurrency()).toBe(10);
    expect(await connections.redis.get(BULK_CAP_KEY)).toBe('8');
  });

  it('adopts an adaptive limit already in Redis rather than its initial value', async () => {
    await connections.queue.setGlobalConcurrency(37);

    const sut = await started({ concurrency: { mode: 'adaptive', initial: 8, min: 1, max: 64 } });

    expect(sut.currentLimit).toBe(37);
  });

  it("adopts the leader's limit, not BullMQ's global one held above it while bulk work drains after a cut", async () => {
    await connections.redis.hset(CONTROLLER_STATE_KEY, 'limit', '16');
    await connections.queue.setGlobalConcurrency(31);

    const sut = await started({ concurrency: { mode: 'adaptive', initial: 8, min: 1, max: 64 } });

    expect(sut.currentLimit).toBe(16);
  });

  it('promotes the oldest bulk job once it has waited past the aging time, behind 250 interactive jobs', async () => {
    const { queue } = connections;
    await queue.addBulk(
      Array.from({ length: 250 }, (_, i) => ({
        name: GENERATE_JOB_NAME,
        data: jobPayload(`interactive ${i}`),
        opts: { priority: CLASS_PRIORITY.interactive },
      })),
    );
    const bulk = await queue.add(GENERATE_JOB_NAME, jobPayload('bulk', { workClass: 'bulk' }), {
      priority: CLASS_PRIORITY.bulk,
    });

    await started({ concurrency: { mode: 'fixed', limit: 1 }, bulkAgingMs: 200, controllerTickMs: 50 });

    await eventually(async () => (await Job.fromId(queue, bulk.id as string))?.priority === CLASS_PRIORITY.interactive);
    expect(await queue.getCountsPerPriority([CLASS_PRIORITY.bulk])).toEqual({ [CLASS_PRIORITY.bulk]: 0 });
  });

  it('hands the controller over with its state: a new leader continues from the last limit, not its own', async () => {
    const { queue, redis } = connections;
    const adaptive = { concurrency: { mode: 'adaptive' as const, initial: 16, min: 1, max: 64 }, controllerTickMs: 50 };
    const first = await started(adaptive);
    await eventually(async () => (await redis.hget(CONTROLLER_STATE_KEY, 'limit')) === '16');
    // Started while the first leads: it adopts 16, and only sees the leader's later changes in Redis.
    const second = await started(adaptive);
    await first.reportOverload();
    await eventually(async () => (await queue.getGlobalConcurrency()) === 8);

    first.stop();
    await first.releaseLeadership();
    await eventually(async () => second.currentLimit === 8);
    await second.reportOverload();

    await eventually(async () => (await queue.getGlobalConcurrency()) === 4);
    expect(await redis.hget(CONTROLLER_STATE_KEY, 'limit')).toBe('4');
  });

  it('wakes a bulk job parked under the old cap as soon as it raises the limit, not a tick later', async () => {
    const { queue, redis } = connections;
    // A limit of 8 leaves bulk work 7 slots, all held; an eighth bulk job is parked (delayed) for one.
    const leaseEnd = Date.now() + 60_000;
    await redis.zadd(BULK_ACTIVE_KEY, ...Array.from({ length: 7 }, (_, i) => [leaseEnd, `running-${i}`]).flat());
    const parked = await queue.add(GENERATE_JOB_NAME, jobPayload('parked', { workClass: 'bulk' }), {
      priority: CLASS_PRIORITY.bulk,
      delay: 5 * 60_000,
    });
    await redis.zadd(BULK_PARKED_KEY, parked.timestamp, parked.id as string);
    const sut = new GenerationGovernor(
      { concurrency: { mode: 'adaptive', initial: 8, min: 1, max: 64 }, controllerTickMs: 1_500 },
      {
        queue,
        redis,
        metrics: new QueueMetrics(new Registry()),
        // A backlog at the limit, no engine gauges: slow start doubles at the first tick.
        counts: async () => ({ interactive: 0, bulk: 90, active: 8 }),
      },
    );
    governors.push(sut);
    await sut.start();

    await eventually(async () => sut.currentLimit === 16, 5_000);
    const raisedAt = Date.now();
    await eventually(async () => (await queue.getJobState(parked.id as string)) !== 'delayed', 5_000);

    // The next tick is 1.5 s away.
    expect(Date.now() - raisedAt).toBeLessThan(750);
  });

  it('wakes a parked bulk job whose waker died after taking it out of the parked set', async () => {
    const { queue, redis } = connections;
    const parked = await queue.add(GENERATE_JOB_NAME, jobPayload('orphan', { workClass: 'bulk' }), {
      priority: CLASS_PRIORITY.bulk,
      delay: 5 * 60_000,
    });
    // What a process SIGKILLed between the two steps of a wake leaves: the job out of the parked set,
    // noted as being woken 6 s ago, still delayed (the chaos suite's worker-kill lost one so: job 71).
    await redis.zadd(BULK_WAKING_KEY, Date.now() - 6_000, parked.id as string);

    await started({ concurrency: { mode: 'fixed', limit: 8 }, controllerTickMs: 100 });

    await eventually(async () => (await queue.getJobState(parked.id as string)) !== 'delayed', 2_000);
    // Its note in the waking set goes once the wake is done, a moment after the promote.
    await eventually(async () => (await redis.zcard(BULK_WAKING_KEY)) === 0, 2_000);
  });

  it('leaves a job being woken by a live process to it until the grace has passed', async () => {
    const { queue, redis } = connections;
    const parked = await queue.add(GENERATE_JOB_NAME, jobPayload('being woken', { workClass: 'bulk' }), {
      priority: CLASS_PRIORITY.bulk,
      delay: 5 * 60_000,
    });
    await redis.zadd(BULK_WAKING_KEY, Date.now(), parked.id as string);

    await started({ concurrency: { mode: 'fixed', limit: 8 }, controllerTickMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    expect(await queue.getJobState(parked.id as string)).toBe('delayed');
  });

  it('a cut below what runs holds bulk at its cap, but lets interactive jobs start at once', async () => {
    const { queue, redis } = connections;
    const sut = new GenerationGovernor(
      { concurrency: { mode: 'adaptive', initial: 32, min: 1, max: 64 }, controllerTickMs: 50 },
      {
        queue,
        redis,
        metrics: new QueueMetrics(new Registry()),
        // No backlog: only the overload below moves the limit.
        counts: async () => ({ interactive: 0, bulk: 0, active: 0 }),
      },
    );
    governors.push(sut);
    await sut.start();
    // A real BullMQ worker whose bulk jobs take the governor's slots and run until the test lets them end.
    let finishBulk = () => undefined as void;
    const bulkMayEnd = new Promise<void>((resolve) => (finishBulk = resolve));
    const startedIds = new Set<string>();
    const worker = new Worker(
      GENERATION_QUEUE_NAME,
      async (job, token) => {
        if (job.data.workClass === 'bulk') {
          // Parks the job (BullMQ's DelayedError) while bulk holds its cap.
          const slot = await sut.takeBulkSlot(job, token);
          startedIds.add(job.id as string);
          await bulkMayEnd;
          await slot.release();
        } else startedIds.add(job.id as string);
      },
      {
        connection: { ...redisOptionsFromUrl(queueRedisUrl()), maxRetriesPerRequest: null },
        prefix: QUEUE_PREFIX,
        concurrency: 64,
      },
    );
    try {
      const bulk = (text: string) =>
        queue.add(GENERATE_JOB_NAME, jobPayload(text, { workClass: 'bulk' }), { priority: CLASS_PRIORITY.bulk });
      // A limit of 32 leaves bulk 30 slots: 30 bulk jobs run.
      await Promise.all(Array.from({ length: 30 }, (_, i) => bulk(`bulk ${i}`)));
      await eventually(async () => startedIds.size === 30, 10_000);

      // A 429: the limit halves to 16 with 30 bulk jobs still running on the engines.
      await sut.reportOverload();
      await eventually(async () => sut.currentLimit === 16, 5_000);
      const late = await bulk('bulk after the cut');
      const person = await queue.add(GENERATE_JOB_NAME, jobPayload('interactive'), {
        priority: CLASS_PRIORITY.interactive,
      });

      // The person's job starts while the bulk work sent before the cut still runs (without the fix it
      // waited for 15 of those 30 to end), and bulk stays held: the late one is parked, not started.
      await eventually(async () => startedIds.has(person.id as string), 2_000);
      expect(await redis.zcard(BULK_ACTIVE_KEY)).toBe(30);
      expect(startedIds.has(late.id as string)).toBe(false);
      expect(await redis.get(BULK_CAP_KEY)).toBe('15');

      // As bulk drains, BullMQ's global limit comes back to the limit.
      finishBulk();
      await eventually(async () => (await queue.getGlobalConcurrency()) === 16, 5_000);
      await eventually(async () => startedIds.has(late.id as string), 5_000);
    } finally {
      finishBulk();
      await worker.close();
    }
  });

  describe('across replicas (real local-llm processes, their /metrics over HTTP)', () => {
    const engines: StartedServer[] = [];
    const startEngine = () => startLocalLlm(['--engine', 'sim', '--profile', 'fast']);

    beforeAll(async () => {
      engines.push(...(await Promise.all([startEngine(), startEngine(), startEngine()])));
    });
    afterAll(async () => {
      await Promise.all(engines.map((engine) => engine.stop()));
    });

    /** A replica started again at the address it had (the provider's replica list is fixed at start). */
    async function startEngineOn(port: string): Promise<StartedServer> {
      const main = join(__dirname, '../../../../dist/apps/local-llm/main.js');
      const child = spawn(process.execPath, [main, '--port', port, '--engine', 'sim', '--profile', 'fast'], {
        stdio: 'ignore',
      });
      const url = `http://127.0.0.1:${port}`;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await eventually(
        () =>
          fetch(`${url}/health`).then(
            (response) => response.ok,
            () => false,
          ),
        30_000,
      );
      return {
        url,
        pid: child.pid as number,
        output: () => '',
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      };
    }

    /**
     * What the provider's replica list gives the controller, read here from each process's /metrics: a
     * replica that does not answer is down. Each call is one controller tick, counted.
     */
    function replicaSource(): ReplicaLoadSource & { calls: number } {
      const source = {
        calls: 0,
        replicaLoads: async (): Promise<ReplicaLoad[]> => {
          source.calls += 1;
          return Promise.all(
            engines.map(async ({ url }) => {
              try {
                const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(1_000) });
                const load = response.ok ? parseVllmMetrics(await response.text()) : undefined;
                return { url, up: load !== undefined, load };
              } catch {
                return { url, up: false };
              }
            }),
          );
        },
      };
      return source;
    }

    it('scales the limit to the replicas serving within two ticks of one leaving and of one returning', async () => {
      const { queue, redis } = connections;
      const source = replicaSource();
      await started(
        { concurrency: { mode: 'adaptive', initial: 30, min: 1, max: 512 }, controllerTickMs: 100 },
        source,
      );
      await eventually(async () => (await redis.hget(CONTROLLER_STATE_KEY, 'lastReplicas')) === '3');

      await engines[2].stop();
      const afterLeaving = source.calls;
      await eventually(async () => (await queue.getGlobalConcurrency()) === 20, 5_000);
      // The tick that saw it gone began after it stopped: at most the second one since.
      expect(source.calls - afterLeaving).toBeLessThanOrEqual(2);

      engines[2] = await startEngine();
      const afterReturning = source.calls;
      await eventually(async () => (await queue.getGlobalConcurrency()) === 30, 5_000);
      expect(source.calls - afterReturning).toBeLessThanOrEqual(2);
      // A replica back is idle: slow start fills it.
      expect(await redis.hget(CONTROLLER_STATE_KEY, 'slowStart')).toBe('1');
    });

    it("follows the LLM client's own replica list (replicaLoads): one killed and started again on its port", async () => {
      const { queue } = connections;
      const llm = new LlmClient(
        testOptions({
          provider: 'vllm',
          vllmUrl: engines.map((engine) => engine.url),
          ollamaUrl: engines[0].url,
          routing: { scrapeIntervalMs: 250 },
        }),
      );
      let calls = 0;
      const replicas = { replicaLoads: () => ((calls += 1), llm.replicaLoads()) };
      try {
        await started(
          { concurrency: { mode: 'adaptive', initial: 30, min: 1, max: 512 }, controllerTickMs: 250 },
          replicas,
        );
        await eventually(async () => (await connections.redis.hget(CONTROLLER_STATE_KEY, 'lastReplicas')) === '3');

        const port = new URL(engines[1].url).port;
        await engines[1].stop();
        const afterLeaving = calls;
        await eventually(async () => (await queue.getGlobalConcurrency()) === 20, 5_000);
        // The provider reads /metrics once a tick here: its first failed read lands by the next tick, and a
        // replica missing from two ticks in a row is gone.
        expect(calls - afterLeaving).toBeLessThanOrEqual(3);

        engines[1] = await startEngineOn(port);
        const afterReturning = calls;
        await eventually(async () => (await queue.getGlobalConcurrency()) === 30, 5_000);
        expect(calls - afterReturning).toBeLessThanOrEqual(2);
      } finally {
        llm.close();
      }
    });
  });
});
