import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { stringify } from 'yaml';
import { alertRules, dashboards, metricNamesOf, metricsInUse } from './promql';
import { readText, readYaml, workspaceRoot } from './workspace';

// Debian's prometheus package (promtool 2.42; .ci/run installs it). The compose profile runs 2.53, whose
// configuration and rule language is a superset of what is checked here.
function promtool(args: string[], cwd = workspaceRoot): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (result.error) throw new Error(`promtool did not run (apt-get install prometheus): ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Metric names the code registers with prom-client, from the sources of apps/ and libs/. */
function registeredMetricNames(): Set<string> {
  const names = new Set<string>();
  const files = ['apps', 'libs'].flatMap((root) =>
    readdirSync(join(workspaceRoot, root), { recursive: true, encoding: 'utf8' })
      .filter(
        (file) =>
          file.endsWith('.ts') && !/\.(spec|int\.spec|e2e-spec)\.ts$/.test(file) && !file.includes('node_modules'),
      )
      .map((file) => join(root, file)),
  );
  for (const file of files) {
    const source = readText(file);
    const found = [
      ...[...source.matchAll(/new (Counter|Gauge|Histogram|Summary)\(\{\s*name: '([^']+)'/g)].map((m) => [m[1], m[2]]),
      // Metrics declared through small helpers whose first argument is the name: local-llm's gauge('vllm:...'),
      // histogram('vllm:...') and fromEngine('vllm:prefix_cache_...'), llm-provider's replicaGauge('llm_replica_...').
      ...[...source.matchAll(/\b(gauge|counter|histogram|fromEngine|replicaGauge)\(\s*'([^']+)'/g)].map((m) => [
        m[1],
        m[2],
      ]),
    ];
    for (const [kind, name] of found) {
      names.add(name);
      if (/histogram/i.test(kind)) for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    }
  }
  // prom-client's default metrics, which service-core collects on every service's registry.
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults });
  for (const metric of defaults.getMetricsAsArray()) names.add(metric.name);
  return names;
}

// Series that come from Prometheus itself and from blackbox_exporter, not from the code.
const EXPORTER_METRICS = ['up', 'probe_success'];

describe('Prometheus configuration, rules and dashboards', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rma-promtool-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('promtool checks the compose configuration with its rule files', () => {
    // The compose file names the rules where the container mounts them; here they are in the checkout.
    const config = readYaml<Record<string, unknown>>('deploy/prometheus/prometheus.yml');
    const file = join(dir, 'prometheus.yml');
    expect(config['rule_files']).toEqual(['/etc/prometheus/rules/*.yml', '/etc/prometheus/compose.rules.yml']);
    writeFileSync(
      file,
      stringify({
        ...config,
        rule_files: [
          join(workspaceRoot, 'deploy/prometheus/rules/*.yml'),
          join(workspaceRoot, 'deploy/prometheus/compose/compose.rules.yml'),
        ],
      }),
    );

    const sut = promtool(['check', 'config', file]);

    expect(sut.output).toContain(`SUCCESS: ${file} is valid prometheus config file syntax`);
    expect(sut.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(sut.status).toBe(0);
  });

  it('promtool checks the configuration of `node deploy/prometheus/monitor-local.js`', () => {
    const { localPrometheusConfig } = require(join(workspaceRoot, 'deploy/prometheus/monitor-local.js'));
    const file = join(dir, 'local.yml');
    const config = localPrometheusConfig({
      services: [{ name: 'notes-service', url: 'http://127.0.0.1:8100' }],
      llmUrls: ['http://127.0.0.1:8000'],
      blackbox: '127.0.0.1:9115',
    });
    writeFileSync(file, stringify(config));

    const sut = promtool(['check', 'config', file]);

    expect(sut.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(sut.status).toBe(0);
  });

  it('promtool checks the alert rules', () => {
    const sut = promtool(['check', 'rules', 'deploy/prometheus/rules/rma.rules.yml']);

    expect(sut.output).toContain(`SUCCESS: ${alertRules().length} rules found`);
    expect(sut.status).toBe(0);
  });

  it('promtool runs the alerts unit tests, and they cover every alert', () => {
    const testFile = 'deploy/prometheus/tests/rma.rules.test.yml';
    const tested = new Set([...readText(testFile).matchAll(/alertname: (\w+)/g)].map((match) => match[1]));

    const sut = promtool(['test', 'rules', testFile]);

    expect(sut.output).toContain('SUCCESS');
    expect(sut.status).toBe(0);
    expect(
      alertRules()
        .map((rule) => rule.alert)
        .filter((alert) => !tested.has(alert)),
    ).toEqual([]);
  });

  it('promtool runs the compose-only rules tests: ServiceMissing fires for a service without a target', () => {
    const sut = promtool(['test', 'rules', 'deploy/prometheus/tests/compose.rules.test.yml']);

    expect(sut.output).toContain('SUCCESS');
    expect(sut.status).toBe(0);
  });

  it('ServiceMissing expects every service compose runs, and links its runbook', () => {
    const [rule] = readYaml<{
      groups: { rules: { alert: string; expr: string; annotations: Record<string, string> }[] }[];
    }>('deploy/prometheus/compose/compose.rules.yml').groups.flatMap((group) => group.rules);
    const compose = readYaml<{ services: Record<string, { build?: unknown }> }>('docker-compose.yml');
    const built = Object.keys(compose.services).filter((name) => compose.services[name].build);
    const expected = [...rule.expr.matchAll(/absent\(up\{job="rma-services", service="([a-z-]+)"\}\)/g)].map(
      (m) => m[1],
    );

    expect(expected.sort()).toEqual(built.sort());
    expect(rule.annotations['runbook_url']).toBe('docs/operations.md#servicemissing');
    expect(readText('docs/operations.md')).toMatch(/^### ServiceMissing$/m);
  });

  it('promtool test rules fails when an alert does not fire as its test expects', () => {
    const rules = readText('deploy/prometheus/rules/rma.rules.yml').replace('> 0.9', '> 0.99');
    writeFileSync(join(dir, 'broken.rules.yml'), rules);
    const test = readText('deploy/prometheus/tests/rma.rules.test.yml').replace(
      '../rules/rma.rules.yml',
      'broken.rules.yml',
    );
    writeFileSync(join(dir, 'broken.test.yml'), test);

    const sut = promtool(['test', 'rules', join(dir, 'broken.test.yml')]);

    expect(sut.status).not.toBe(0);
    expect(sut.output).toContain('alertname: VllmKvCacheNearFull');
  });

  it('every alert says what happened and links its runbook', () => {
    for (const rule of alertRules()) {
      expect({ alert: rule.alert, summary: Boolean(rule.annotations['summary']) }).toEqual({
        alert: rule.alert,
        summary: true,
      });
      expect(rule.annotations['runbook_url']).toBe(`docs/operations.md#${rule.alert.toLowerCase()}`);
    }
  });

  it('docs/operations.md has the runbook section each alert links to', () => {
    const headings = [...readText('docs/operations.md').matchAll(/^### (\w+)$/gm)].map((match) => match[1]);

    expect(
      alertRules()
        .map((rule) => rule.alert)
        .filter((alert) => !headings.includes(alert)),
    ).toEqual([]);
  });

  it('every metric a dashboard or an alert reads is registered in the code or served by an exporter', () => {
    const known = registeredMetricNames();

    const sut = metricsInUse().filter((name) => !known.has(name) && !EXPORTER_METRICS.includes(name));

    expect(metricsInUse().length).toBeGreaterThan(25);
    expect(sut).toEqual([]);
  });

  it('reads metric names out of PromQL, not functions, labels or keywords', () => {
    expect(
      metricNamesOf(
        'histogram_quantile(0.95, sum by (le, class) (rate(generation_queue_wait_seconds_bucket{class="interactive"}[5m]))) > 5 and on (class) vllm:num_requests_waiting',
      ),
    ).toEqual(['generation_queue_wait_seconds_bucket', 'vllm:num_requests_waiting']);
  });

  it('dashboards query the provisioned Prometheus data source and have unique uids', () => {
    const uids = dashboards().map((dashboard) => dashboard.uid);
    const sources = dashboards().flatMap((dashboard) =>
      dashboard.panels.map((panel) => (panel as unknown as { datasource: { uid: string } }).datasource.uid),
    );
    const provisioned = readYaml<{ datasources: { uid: string }[] }>(
      'deploy/grafana/provisioning/datasources/prometheus.yml',
    );

    expect(uids.sort()).toEqual(['rma-engine', 'rma-llm-provider', 'rma-queue', 'rma-services']);
    expect(new Set(sources)).toEqual(new Set([provisioned.datasources[0].uid]));
    expect(
      JSON.parse(readFileSync(join(workspaceRoot, 'deploy/grafana/dashboards/queue.json'), 'utf8')).panels.length,
    ).toBeGreaterThan(3);
    expect(execFileSync('promtool', ['--version'], { encoding: 'utf8' })).toContain('promtool');
  });
});
