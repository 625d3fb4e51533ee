#!/usr/bin/env node
// Prometheus on this machine against `npm start`'s system, with the same alert rules as the compose
// profile: Debian's `prometheus` and `prometheus-blackbox-exporter` (apt-get install prometheus
// prometheus-blackbox-exporter), no Docker.
//   npm start                                   # in one terminal
//   node deploy/prometheus/monitor-local.js     # in another: Prometheus on http://127.0.0.1:9090
// Ports follow npm start's variables (NOTES_SERVICE_PORT, DOC_PROCESSOR_PORT, RAG_SERVICE_PORT,
// LOCAL_LLM_PORT, or LLM_VLLM_URLS / VLLM_URL for the engine's replicas); PROMETHEUS_PORT, BLACKBOX_PORT
// change this script's own. Data goes to .cache/data/prometheus. tools/operations-checks runs the same
// configuration against the services it starts and queries every metric the dashboards and alerts use.
// Plain CommonJS so that `node` runs it as it is and the checks' Jest can require it.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { stringify } = require('yaml');

const workspaceRoot = join(__dirname, '..', '..');
const BLACKBOX_BINARY = 'prometheus-blackbox-exporter';

/**
 * Prometheus's configuration for processes on this machine: the services (each with its service label),
 * the LLM servers' vLLM metrics, and each service's readiness through blackbox_exporter.
 * `services`: [{ name, url }]; `llmUrls`: base URLs serving vLLM's /metrics; `blackbox`: host:port.
 */
function localPrometheusConfig({ services, llmUrls, blackbox, scrapeInterval = '15s' }) {
  const hostPort = (url) => new URL(url).host;
  return {
    global: { scrape_interval: scrapeInterval, evaluation_interval: scrapeInterval },
    rule_files: [join(workspaceRoot, 'deploy/prometheus/rules/*.yml')],
    scrape_configs: [
      {
        job_name: 'rma-services',
        honor_labels: true,
        static_configs: services.map(({ name, url }) => ({ targets: [hostPort(url)], labels: { service: name } })),
      },
      { job_name: 'vllm', static_configs: [{ targets: llmUrls.map(hostPort) }] },
      {
        job_name: 'rma-readiness',
        metrics_path: '/probe',
        params: { module: ['http_2xx'] },
        static_configs: services
          .filter(({ name }) => name !== 'generation-worker')
          .map(({ name, url }) => ({ targets: [`${url}/health/ready`], labels: { service: name } })),
        relabel_configs: [
          { source_labels: ['__address__'], target_label: '__param_target' },
          { source_labels: ['__param_target'], target_label: 'instance' },
          { target_label: '__address__', replacement: blackbox },
        ],
      },
    ],
  };
}

/** Whether a program is on PATH. */
function installed(binary) {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts blackbox_exporter and Prometheus on 127.0.0.1 with the configuration above (written to
 * `dataDir`), and resolves once Prometheus is ready. Returns its URL and a stop function.
 */
async function startMonitoring({ dataDir, prometheusPort, blackboxPort, services, llmUrls, scrapeInterval }) {
  for (const binary of ['prometheus', BLACKBOX_BINARY]) {
    if (!installed(binary)) {
      throw new Error(`${binary} is not installed: apt-get install prometheus prometheus-blackbox-exporter`);
    }
  }
  mkdirSync(join(dataDir, 'tsdb'), { recursive: true });
  const configFile = join(dataDir, 'prometheus.yml');
  const blackbox = `127.0.0.1:${blackboxPort}`;
  writeFileSync(configFile, stringify(localPrometheusConfig({ services, llmUrls, blackbox, scrapeInterval })));
  const children = [];
  const output = [];
  const run = (command, args) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk) => output.push(chunk.toString()));
    children.push(child);
    return child;
  };
  run(BLACKBOX_BINARY, [
    `--config.file=${join(workspaceRoot, 'deploy/prometheus/blackbox.yml')}`,
    `--web.listen-address=${blackbox}`,
  ]);
  const prometheus = run('prometheus', [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dataDir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${prometheusPort}`,
  ]);
  const url = `http://127.0.0.1:${prometheusPort}`;
  const stop = () =>
    Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
      ),
    );
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (prometheus.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with code ${prometheus.exitCode}:\n${output.join('')}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready within 30 s:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, stop, output: () => output.join('') };
}

module.exports = { localPrometheusConfig, startMonitoring };

if (require.main === module) {
  const port = (name, fallback) => Number(process.env[name] ?? fallback);
  const local = (p) => `http://127.0.0.1:${p}`;
  // The vLLM replicas as the services list them (LLM_VLLM_URLS wins over VLLM_URL), each scraped.
  const llmUrls = (process.env.LLM_VLLM_URLS || process.env.VLLM_URL || local(port('LOCAL_LLM_PORT', 8000)))
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  startMonitoring({
    dataDir: join(workspaceRoot, '.cache/data/prometheus'),
    prometheusPort: port('PROMETHEUS_PORT', 9090),
    blackboxPort: port('BLACKBOX_PORT', 9115),
    services: [
      { name: 'notes-service', url: local(port('NOTES_SERVICE_PORT', 8100)) },
      { name: 'doc-processor', url: local(port('DOC_PROCESSOR_PORT', 8101)) },
      { name: 'rag-service', url: local(port('RAG_SERVICE_PORT', 8102)) },
    ],
    llmUrls,
  }).then(
    (monitoring) => {
      process.stdout.write(
        `[monitor] Prometheus ${monitoring.url} (alerts ${monitoring.url}/alerts, targets ${monitoring.url}/targets); Ctrl-C stops it\n`,
      );
      const stop = () => monitoring.stop().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (error) => {
      process.stderr.write(`[monitor] ${error.message}\n`);
      process.exit(1);
    },
  );
}
