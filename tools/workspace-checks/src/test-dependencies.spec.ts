import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const workspaceRoot = join(__dirname, '..', '..', '..');
const TEST_TARGETS = ['test', 'e2e'];

interface TargetConfig {
  dependsOn?: (string | { target: string; projects?: string | string[]; dependencies?: boolean })[];
  options?: { passWithNoTests?: boolean; jestConfig?: string };
}

interface ProjectNode {
  data: { root: string; sourceRoot?: string; projectType?: string; targets: Record<string, TargetConfig> };
}

interface ProjectGraph {
  nodes: Record<string, ProjectNode>;
  dependencies: Record<string, { target: string }[]>;
}

/** The whole Nx project graph, with every target as Nx resolves it (plugins and targetDefaults applied). */
function readProjectGraph(): ProjectGraph {
  const dir = mkdtempSync(join(tmpdir(), 'rma-graph-'));
  try {
    const file = join(dir, 'graph.json');
    execFileSync(process.execPath, [join(workspaceRoot, 'node_modules/nx/dist/bin/nx.js'), 'graph', `--file=${file}`], {
      cwd: workspaceRoot,
      stdio: 'ignore',
    });
    return (JSON.parse(readFileSync(file, 'utf8')) as { graph: ProjectGraph }).graph;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function testTargetsOf(node: ProjectNode): [string, TargetConfig][] {
  return Object.entries(node.data.targets).filter(([name]) => TEST_TARGETS.includes(name));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * The built apps a project's tests start from dist/ at run time, which no import shows Nx: local-llm when
 * the jest config asks the shared servers for it (`rmaTestServers: ['llm']`) or a test starts its own
 * (`startLocalLlm`), and every app a test starts by name with `startServiceProcess`.
 */
function builtAppsStartedByTests(graph: ProjectGraph, node: ProjectNode): string[] {
  const apps = Object.keys(graph.nodes).filter((name) => graph.nodes[name].data.targets['build']);
  const needed = new Set<string>();
  for (const [, target] of testTargetsOf(node)) {
    const jestConfig = target.options?.jestConfig ?? join(node.data.root, 'jest.config.cjs');
    const config = readFileSync(join(workspaceRoot, jestConfig), 'utf8');
    if (/rmaTestServers:\s*\[[^\]]*'llm'/.test(config)) needed.add('local-llm');
  }
  for (const file of filesUnder(join(workspaceRoot, node.data.sourceRoot ?? node.data.root))) {
    const isTestCode = /\.(spec|int\.spec|e2e-spec)\.ts$/.test(file) || node.data.root.endsWith('-e2e');
    if (!isTestCode) continue;
    const source = readFileSync(file, 'utf8');
    if (calls(source, 'startLocalLlm')) needed.add('local-llm');
    if (calls(source, 'startServiceProcess')) {
      for (const app of apps) if (source.includes(`'${app}'`)) needed.add(app);
    }
  }
  return [...needed].sort();
}

/** Whether `source` calls `fn` (a mention inside a string, as in this file, is not a call). */
function calls(source: string, fn: string): boolean {
  return new RegExp(`(?<!['"\`])\\b${fn}\\(`).test(source);
}

/** Whether the target's dependsOn builds `app` first: `^build` over a graph edge, or by name. */
function buildsFirst(graph: ProjectGraph, project: string, target: TargetConfig, app: string): boolean {
  const edge = (graph.dependencies[project] ?? []).some((dependency) => dependency.target === app);
  return (target.dependsOn ?? []).some((entry) => {
    if (entry === '^build') return edge;
    if (typeof entry === 'string') return false;
    const projects = typeof entry.projects === 'string' ? [entry.projects] : (entry.projects ?? []);
    return entry.target === 'build' && (projects.includes(app) || (entry.dependencies === true && edge));
  });
}

describe('test dependencies (project.json, nx.json)', () => {
  let graph: ProjectGraph;
  const testProjects = () => Object.keys(graph.nodes).filter((name) => testTargetsOf(graph.nodes[name]).length > 0);

  beforeAll(() => {
    graph = readProjectGraph();
  });

  // Nx keys its cache on a project's graph: a test that runs a built app the graph does not know about is
  // replayed from the cache after that app changes, and `npm test` counts the stale pass.
  it('puts every built app a test starts in the project graph and builds it before the test runs', () => {
    const missing: string[] = [];
    for (const project of testProjects()) {
      const node = graph.nodes[project];
      for (const app of builtAppsStartedByTests(graph, node)) {
        if (app === project) continue;
        if (!(graph.dependencies[project] ?? []).some((dependency) => dependency.target === app)) {
          missing.push(`${project} starts ${app}, which is not in its dependencies (implicitDependencies)`);
        }
        for (const [name, target] of testTargetsOf(node)) {
          if (!buildsFirst(graph, project, target, app)) {
            missing.push(`${project}:${name} starts ${app}, but does not build it first (dependsOn)`);
          }
        }
      }
    }

    expect(missing).toEqual([]);
  });

  it('finds the local LLM server as a runtime dependency of the tests that start it', () => {
    const sut = (project: string) => builtAppsStartedByTests(graph, graph.nodes[project]);

    expect(sut('llm-provider')).toEqual(['local-llm']);
    expect(sut('services-e2e')).toEqual(expect.arrayContaining(['local-llm', 'notes-service', 'rag-service']));
    expect(sut('service-core')).toEqual([]);
  });

  // A project whose tests vanish must fail, not pass with nothing run.
  it('never lets a test target pass with no tests', () => {
    const sut = testProjects().flatMap((project) =>
      testTargetsOf(graph.nodes[project])
        .filter(([, target]) => target.options?.passWithNoTests)
        .map(([name]) => `${project}:${name}`),
    );

    expect(sut).toEqual([]);
  });

  it('lists in tools/scripts/test-projects.json exactly the projects that have tests', () => {
    const listed = JSON.parse(readFileSync(join(workspaceRoot, 'tools/scripts/test-projects.json'), 'utf8')) as {
      projects: string[];
    };

    expect([...listed.projects].sort()).toEqual(
      testProjects()
        .map((project) => graph.nodes[project].data.root)
        .sort(),
    );
  });
});
