import { StartedServer, eventually, freePort, startLocalLlm } from '@rma/testing';
import { Redis } from 'ioredis';
import { ServiceProcess, startServiceProcess, waitUntilHealthy } from './service-process';

// The built notes-service with GENERATION_WORKERS=false and the built generation-worker, as separate
// processes on one Redis database: the service only enqueues, the worker process runs its jobs.
const redisUrl = `${process.env['RMA_TEST_REDIS_URL'] as string}/8`;
const NOTES = 'Cl rang re council tax arrears of £640. Agreed: cl sends the bailiff letter by Friday.';

let llm: StartedServer;
let notes: ServiceProcess;
let notesUrl: string;
let workerUrl: string | undefined;
const workers: ServiceProcess[] = [];

/** One series from a process's /metrics page; 0 when the series does not exist yet. */
async function series(baseUrl: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith(`${name}{`) && row.includes(labels));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const completedJobs = (baseUrl: string) => series(baseUrl, 'generation_jobs_total', 'outcome="completed"');
const waitingInteractive = () => series(notesUrl, 'generation_queue_depth', 'class="interactive"');

async function startWorker(): Promise<string> {
  const port = await freePort();
  const worker = startServiceProcess('generation-worker', {
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: redisUrl,
    VLLM_URL: llm.url,
    OLLAMA_URL: llm.url,
  });
  workers.push(worker);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilHealthy(`${url}/health`, worker);
  return url;
}

async function stopWorkers(): Promise<void> {
  for (const worker of workers.splice(0)) {
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
}

beforeAll(async () => {
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  redis.disconnect();
  llm = await startLocalLlm(['--engine', 'sim', '--profile', 'fast']);
  const port = await freePort();
  notesUrl = `http://127.0.0.1:${port}`;
  notes = startServiceProcess('notes-service', {
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: redisUrl,
    VLLM_URL: llm.url,
    OLLAMA_URL: llm.url,
    GENERATION_WORKERS: 'false',
  });
  await waitUntilHealthy(`${notesUrl}/health`, notes);
});
afterAll(async () => {
  await stopWorkers();
  notes?.child.kill('SIGTERM');
  await notes?.exited;
  await llm?.stop();
});

describe('generation-worker with a service that runs no workers', () => {
  it("leaves the service's jobs waiting until a generation-worker process starts, which then runs them", async () => {
    const letter = fetch(`${notesUrl}/letters`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ notes: NOTES, clientName: 'Mr Pemberton' }),
    });
    let settled = false;
    void letter.finally(() => (settled = true)).catch(() => undefined);

    // Nothing in the service takes the job: it is still waiting a while after it was queued.
    await eventually(async () => (await waitingInteractive()) >= 1);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await waitingInteractive()).toBeGreaterThanOrEqual(1);
    expect(settled).toBe(false);

    workerUrl = await startWorker();
    const response = await letter;

    expect(response.status).toBe(200);
    expect(((await response.json()) as { letter: { text: string } }).letter.text).toMatch(/^Dear Mr Pemberton,/);
    // A letter is more than one generation; every one of them ran in the worker process.
    expect(await completedJobs(workerUrl)).toBeGreaterThanOrEqual(1);
    expect(await completedJobs(notesUrl)).toBe(0);
    expect(await waitingInteractive()).toBe(0);
  });

  it("runs every job of a burst of the service's requests, the service none", async () => {
    workerUrl ??= await startWorker();
    const before = await completedJobs(workerUrl);

    const responses = await Promise.all(
      [1, 2, 3].map(() =>
        fetch(`${notesUrl}/letters`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ notes: NOTES, clientName: 'Mr Pemberton' }),
        }),
      ),
    );

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(await completedJobs(workerUrl)).toBeGreaterThanOrEqual(before + 3);
    expect(await completedJobs(notesUrl)).toBe(0);
  });
});
