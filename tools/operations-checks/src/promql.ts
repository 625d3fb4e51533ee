import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readText, readYaml, workspaceRoot } from './workspace';

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
  'le',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression reads (functions, keywords, labels, strings and durations left out). */
export function metricNamesOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)]
    .filter((match) => !match[2] && !KEYWORDS.has(match[1].toLowerCase()))
    .map((match) => match[1]);
  return [...new Set(names)];
}

interface RuleFile {
  groups: { name: string; rules: { alert?: string; expr: string; annotations?: Record<string, string> }[] }[];
}

/** Every alert rule of deploy/prometheus/rules. */
export function alertRules(): { alert: string; expr: string; annotations: Record<string, string> }[] {
  const dir = join(workspaceRoot, 'deploy/prometheus/rules');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yml'))
    .flatMap((file) => readYaml<RuleFile>(`deploy/prometheus/rules/${file}`).groups)
    .flatMap((group) => group.rules)
    .filter((rule): rule is { alert: string; expr: string; annotations: Record<string, string> } =>
      Boolean(rule.alert),
    );
}

interface Dashboard {
  uid: string;
  panels: { title: string; targets: { expr: string }[] }[];
}

/** Every Grafana dashboard of deploy/grafana/dashboards. */
export function dashboards(): Dashboard[] {
  const dir = join(workspaceRoot, 'deploy/grafana/dashboards');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readText(`deploy/grafana/dashboards/${file}`)) as Dashboard);
}

/** Every metric name an alert or a dashboard panel reads. */
export function metricsInUse(): string[] {
  const expressions = [
    ...alertRules().map((rule) => rule.expr),
    ...dashboards().flatMap((dashboard) => dashboard.panels.flatMap((panel) => panel.targets.map((t) => t.expr))),
  ];
  return [...new Set(expressions.flatMap(metricNamesOf))].sort();
}
