import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartedServer, eventually, freePort, setFaults, startLocalLlm } from '@rma/testing';
import { alertRules, dashboards, metricsInUse } from './promql';
import { workspaceRoot } from './workspace';

// A real Prometheus (Debian's, with blackbox_exporter) scraping the system as `npm start` runs it: the
// three services and a generation worker from dist/, two local-llm processes as the replicas of the
// vLLM engine (LLM_VLLM_URLS, so the router decides and reports per replica), a third as Ollama, a
// traffic split for chat as during a canary, Redis and Chroma. Traffic through the services
// (with a burst of 503s from both "vLLM" replicas, so that failovers, retries, errors, fallbacks and
// open breakers happen), and bursts past a tiny embedding limit and a tiny queue (refusals, limit changes),
// make every labelled series exist; then every metric a dashboard or an alert reads must return a series.

interface Monitoring {
  url: string;
  stop: () => Promise<void>;
  output: () => string;
}
const { startMonitoring } = require(join(workspaceRoot, 'deploy/prometheus/monitor-local.js')) as {
  startMonitoring: (options: {
    dataDir: string;
    prometheusPort: number;
    blackboxPort: number;
    services: { name: string; url: string }[];
    llmUrls: string[];
    scrapeInterval: string;
  }) => Promise<Monitoring>;
};

interface ServiceProcess {
  name: string;
  url: string;
  child: ChildProcess;
  output: () => string;
}

/** A built service started as `node dist/apps/<name>/main.js`, as npm start runs it. */
function startServiceProcess(name: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [join(workspaceRoot, 'dist/apps', name, 'main.js')], {
    cwd: workspaceRoot,
    env: { PATH: process.env['PATH'] ?? '', AUTH_MODE: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { name, url: `http://127.0.0.1:${env['PORT']}`, child, output: () => output };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function query(
  prometheusUrl: string,
  promql: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success') throw new Error(`query ${promql} failed: ${JSON.stringify(body)}`);
  return body.data.result;
}

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

const NOTES =
  'Cl rang 3/11. CT arrears £1,200 Bristol CC, hearing 14 March 2027. Agreed: cl sends payslips by 1 Dec; we write to council.';

describe('monitoring against the running system', () => {
  let vllm: StartedServer;
  let vllmReplica: StartedServer;
  let ollama: StartedServer;
  let monitoring: Monitoring;
  let dataDir: string;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rma-monitoring-'));
    [vllm, vllmReplica, ollama] = await Promise.all([
      startLocalLlm(['--engine', 'sim', '--admin', '--seed', '7']),
      startLocalLlm(['--engine', 'sim', '--admin', '--seed', '9']),
      startLocalLlm(['--engine', 'sim', '--seed', '8']),
    ]);
    const common = {
      HOST: '127.0.0.1',
      // A database of its own: other projects' e2e specs run services on database 0 at the same time, and
      // their processes took the controller's lease (its limit changes then showed in their /metrics, not
      // in this Prometheus: CI's missing generation_concurrency_changes_total).
      REDIS_URL: `${process.env['RMA_TEST_REDIS_URL'] as string}/15`,
      CHROMA_URL: process.env['RMA_TEST_CHROMA_URL'] as string,
      MANUALS_DIR: 'off',
      VLLM_URL: vllm.url,
      LLM_VLLM_URLS: `${vllm.url},${vllmReplica.url}`,
      OLLAMA_URL: ollama.url,
      LLM_PROVIDER: 'vllm',
      LLM_FALLBACK: 'ollama',
      // A split as during a canary (here Ollama at 10% of chat): shares of 90 and 10 in
      // llm_traffic_share_percent. The first chat calls of each process still go to vLLM (smooth
      // weighted round robin picks the 10% backend at the sixth call), so the 503 burst below falls back.
      LLM_TRAFFIC_SPLIT: 'chat:vllm=90,ollama=10',
      // Two attempts and a breaker that opens after two failures and probes again after 1 s: the 503
      // burst below shows retries, errors, fallbacks and an open breaker within seconds.
      LLM_RETRY_MAX_ATTEMPTS: '2',
      LLM_RETRY_BASE_DELAY_MS: '20',
      LLM_BREAKER_FAILURE_THRESHOLD: '2',
      LLM_BREAKER_OPEN_MS: '1000',
      LOG_LEVEL: 'warn',
      READER_POOL_SIZE: '1',
      DOCUMENT_STORAGE_DIR: join(dataDir, 'documents'),
      // A global limit that starts at 1 and a line of four waiting jobs: the burst of letters below is
      // refused in part (generation_refused_total) and its backlog, lasting over the controller's ticks,
      // makes it raise the limit (generation_concurrency_changes_total); both counters exist only once
      // that has happened.
      GENERATION_CONCURRENCY_INITIAL: '1',
      GENERATION_CONCURRENCY_MAX: '4',
      GENERATION_MAX_WAITING_INTERACTIVE: '4',
    };
    for (const name of ['notes-service', 'doc-processor', 'rag-service', 'generation-worker']) {
      // doc-processor with API keys on, as in production, so that its refusals (401) show; the spec
      // calls only the others' APIs, without keys.
      const auth: Record<string, string> = name === 'doc-processor' ? { AUTH_MODE: 'on' } : {};
      // rag-service with one embedding slot and no waiting line: the burst of questions below is refused
      // in part (llm_embedding_refused_total exists only once a call was).
      const slots: Record<string, string> =
        name === 'rag-service' ? { LLM_EMBEDDING_CONCURRENCY: '1', LLM_EMBEDDING_MAX_WAITING: '0' } : {};
      services.push(startServiceProcess(name, { ...common, ...auth, ...slots, PORT: String(await freePort()) }));
    }
    await Promise.all(
      services.map((service) =>
        eventually(async () => {
          if (service.child.exitCode !== null) throw new Error(`${service.name} exited:\n${service.output()}`);
          return fetch(`${service.url}/health/ready`).then(
            (response) => response.ok,
            () => false,
          );
        }, 60_000),
      ),
    );
    monitoring = await startMonitoring({
      dataDir: join(dataDir, 'prometheus'),
      prometheusPort: await freePort(),
      blackboxPort: await freePort(),
      services: services.map(({ name, url }) => ({ name, url })),
      llmUrls: [vllm.url, vllmReplica.url],
      scrapeInterval: '1s',
    });
  }, 120_000);

  afterAll(async () => {
    await monitoring?.stop();
    await Promise.all(services.map((service) => stopProcess(service.child)));
    await Promise.all([vllm?.stop(), vllmReplica?.stop(), ollama?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const notes = () => services.find((service) => service.name === 'notes-service') as ServiceProcess;
  const rag = () => services.find((service) => service.name === 'rag-service') as ServiceProcess;
  const docs = () => services.find((service) => service.name === 'doc-processor') as ServiceProcess;

  it('scrapes every service, the engine and each service readiness', async () => {
    // Four services, the engine's two replicas and three readiness probes (the worker serves no API to be
    // ready for).
    await eventually(async () => (await query(monitoring.url, 'up == 1')).length === 9, 20_000);

    const up = await query(monitoring.url, 'up');
    const ready = await query(monitoring.url, 'probe_success');

    expect(
      up.map((series) => `${series.metric['job']} ${series.metric['service'] ?? ''} ${series.value[1]}`).sort(),
    ).toEqual(
      [
        'rma-services doc-processor 1',
        'rma-services generation-worker 1',
        'rma-services notes-service 1',
        'rma-services rag-service 1',
        'rma-readiness doc-processor 1',
        'rma-readiness notes-service 1',
        'rma-readiness rag-service 1',
        'vllm  1',
        'vllm  1',
      ].sort(),
    );
    expect(ready.map((series) => `${series.metric['service']} ${series.value[1]}`).sort()).toEqual([
      'doc-processor 1',
      'notes-service 1',
      'rag-service 1',
    ]);
  });

  it('loads every alert rule', async () => {
    const response = await fetch(`${monitoring.url}/api/v1/rules?type=alert`);
    const body = (await response.json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
    const loaded = body.data.groups.flatMap((group) => group.rules);

    expect(loaded.map((rule) => rule.name).sort()).toEqual(
      alertRules()
        .map((rule) => rule.alert)
        .sort(),
    );
  });

  it('every metric a dashboard or an alert reads returns series once the system has served traffic', async () => {
    // A burst of 503s from both "vLLM" replicas: moved to the other replica, retried, counted as errors,
    // then served by "Ollama"; both replicas' breakers open.
    const replicas = [vllm.url, vllmReplica.url];
    await Promise.all(
      replicas.map((url) => setFaults(url, [{ kind: 'status', status: 503, target: 'chat', count: 6 }])),
    );
    const degraded = await post(`${notes().url}/letters`, { notes: NOTES, clientName: 'Ms Patel' });
    expect(degraded.status).toBe(200);
    await Promise.all(replicas.map((url) => setFaults(url, [])));
    // Past LLM_BREAKER_OPEN_MS the probe closes the breaker again and vLLM serves the rest.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const streamed = await post(`${notes().url}/letters/stream`, { notes: NOTES, clientName: 'Ms Patel' });
    await streamed.text();
    const asked = await post(`${rag().url}/ask`, { question: 'Who can get a Debt Relief Order?' });
    const letter = await post(`${notes().url}/letters`, { notes: NOTES, clientName: 'Mr Jones' });
    const withoutKey = await fetch(`${docs().url}/documents/any`);

    expect([streamed.status, asked.status, letter.status, withoutKey.status]).toEqual([200, 200, 200, 401]);
    // Bursts past the limits set above: questions find the one embedding slot taken (or the queue's line
    // full), letters find the line of four waiting jobs full; each refusal is a 503, the rest are served.
    const questions = await Promise.all(
      Array.from({ length: 8 }, (_, i) => post(`${rag().url}/ask`, { question: `Who can get a DRO? (${i})` })),
    );
    const letterBurst = () =>
      Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          post(`${notes().url}/letters`, { notes: NOTES, clientName: `Client ${i}` }),
        ),
      );
    const letters = await letterBurst();
    for (const burst of [questions, letters]) {
      const statuses = burst.map((response) => response.status);
      expect(statuses).toContain(503);
      expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
      await Promise.all(burst.map((response) => response.text()));
    }
    // The controller changes the limit at a tick that sees the backlog (every 500 ms, on gauges read
    // every second): with the sim's 2 ms steps a burst's five letters could drain between two such ticks.
    // Another burst while the series is still missing, for up to 20 s.
    const limitChanged = async () =>
      (await query(monitoring.url, 'count(generation_concurrency_changes_total)')).length > 0;
    await eventually(async () => {
      if (await limitChanged()) return true;
      await Promise.all((await letterBurst()).map((response) => response.text()));
      return limitChanged();
    }, 20_000).catch(() => undefined);
    const empty = async () => {
      const missing: string[] = [];
      for (const name of metricsInUse()) {
        if ((await query(monitoring.url, `count({__name__="${name}"})`)).length === 0) missing.push(name);
      }
      return missing;
    };
    await eventually(async () => (await empty()).length === 0, 15_000).catch(() => undefined);
    expect(await empty()).toEqual([]);
    expect(metricsInUse().length).toBeGreaterThan(25);
    // Each replica is reported apart, and the router sent calls to both vLLM replicas (the 503s moved
    // each call from one to the other).
    const replicaSeries = await query(monitoring.url, 'max by (backend, replica) (llm_replica_healthy)');
    expect(replicaSeries.map((series) => `${series.metric['backend']} ${series.metric['replica']}`).sort()).toEqual(
      [`vllm ${vllm.url}`, `vllm ${vllmReplica.url}`, `ollama ${ollama.url}`].sort(),
    );
    const routed = await query(monitoring.url, 'sum by (replica) (llm_route_decisions_total{backend="vllm"})');
    expect(routed.map((series) => series.metric['replica']).sort()).toEqual([vllm.url, vllmReplica.url].sort());
    // The 401 was the last request: its series appears at the next scrape (the names above may all have
    // been there before it).
    const unauthorised = 'http_server_request_duration_seconds_count{status_code="401"}';
    await eventually(async () => (await query(monitoring.url, unauthorised)).length > 0, 10_000).catch(() => undefined);
    const refused = await query(monitoring.url, unauthorised);
    expect(refused.map((series) => `${series.metric['service']} ${series.metric['route']}`)).toEqual([
      'doc-processor /documents/:id',
    ]);
  }, 90_000);

  it('every dashboard query is PromQL this Prometheus accepts', async () => {
    // promtool checks the alerts' expressions; nothing else parses the dashboards' own.
    const targets = dashboards().flatMap((dashboard) =>
      dashboard.panels.flatMap((panel) => panel.targets.map((target) => `${dashboard.uid}: ${target.expr}`)),
    );
    const refusedQueries: string[] = [];
    for (const target of targets) {
      const expr = target.slice(target.indexOf(': ') + 2);
      await query(monitoring.url, expr).catch(() => refusedQueries.push(target));
    }

    expect(targets.length).toBeGreaterThan(35);
    expect(refusedQueries).toEqual([]);
  }, 90_000);
});
