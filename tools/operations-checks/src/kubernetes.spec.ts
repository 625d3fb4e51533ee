import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { SERVICE_APPS, appEnvKeys, appPort, readText, workspaceRoot } from './workspace';

// Debian's kubectl 1.20 and its kustomize v2.0.3, unpacked by tools/operations-checks/ensure-tools.sh:
// the oldest kustomize the manifests promise to render with (newer ones read the same files).
const KUBECTL = join(workspaceRoot, '.cache/tools/kubernetes-client/usr/bin/kubectl');
const OVERLAYS = ['ollama', 'vllm', 'production-stack'];

interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string | number> };
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    selector?: Record<string, string> | { matchLabels: Record<string, string> };
    ports?: { name: string; port: number; targetPort: string | number }[];
    template?: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } };
    scaleTargetRef?: { kind: string; name: string };
  };
  data?: Record<string, string>;
}

function render(overlay: string): K8sObject[] {
  if (!existsSync(KUBECTL)) throw new Error(`${KUBECTL} is missing: run bash tools/operations-checks/ensure-tools.sh`);
  const output = execFileSync(KUBECTL, ['kustomize', join(workspaceRoot, 'deploy/k8s/overlays', overlay)], {
    encoding: 'utf8',
  });
  return parseAllDocuments(output).map((document) => document.toJS() as K8sObject);
}

/** Invalid objects by the Kubernetes OpenAPI schemas (kubernetes-models, in a child process: it is ESM). */
function schemaErrors(objects: K8sObject[], dir: string): { kind: string; name: string; error: string }[] {
  const file = join(dir, 'objects.json');
  writeFileSync(file, JSON.stringify(objects));
  const output = execFileSync(process.execPath, [join(__dirname, '..', 'validate-k8s.mjs'), file], {
    cwd: workspaceRoot,
    encoding: 'utf8',
  });
  return JSON.parse(output);
}

const TYPES: Record<string, [string, string]> = {
  'v1/Namespace': ['core/v1', 'Namespace'],
  'v1/Service': ['core/v1', 'Service'],
  'v1/ConfigMap': ['core/v1', 'ConfigMap'],
  'v1/PersistentVolumeClaim': ['core/v1', 'PersistentVolumeClaim'],
  'apps/v1/Deployment': ['apps/v1', 'Deployment'],
  'apps/v1/StatefulSet': ['apps/v1', 'StatefulSet'],
  'batch/v1/Job': ['batch/v1', 'Job'],
  'policy/v1/PodDisruptionBudget': ['policy/v1', 'PodDisruptionBudget'],
  'autoscaling/v2/HorizontalPodAutoscaler': ['autoscaling/v2', 'HorizontalPodAutoscaler'],
};

/**
 * Type errors of the objects as literals of kubernetes-types' API types: TypeScript's excess property
 * check finds the misspelt or misplaced fields that the OpenAPI schemas (open objects) let through.
 */
function typeErrors(objects: K8sObject[], name: string): string {
  const dir = join(workspaceRoot, 'tmp', 'operations-checks');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.ts`);
  const imports = Object.values(TYPES)
    .map(
      ([module, type]) =>
        `import type { ${type} as ${type.replace(/\W/g, '')}_${module.replace(/\W/g, '_')} } from 'kubernetes-types/${module}';`,
    )
    .join('\n');
  const declarations = objects.map((object, index) => {
    const [module, type] = TYPES[`${object.apiVersion}/${object.kind}`] ?? ['', 'unknown'];
    const typeName = module ? `${type}_${module.replace(/\W/g, '_')}` : 'never';
    return `export const o${index}: ${typeName} = ${JSON.stringify(object)};`;
  });
  writeFileSync(file, `${imports}\n${declarations.join('\n')}\n`);
  const result = spawnSync(
    process.execPath,
    [
      join(workspaceRoot, 'node_modules/typescript/bin/tsc'),
      '--noEmit',
      '--strict',
      '--skipLibCheck',
      '--types',
      'node',
      file,
    ],
    { cwd: workspaceRoot, encoding: 'utf8' },
  );
  rmSync(file, { force: true });
  return result.status === 0 ? '' : `${result.stdout}${result.stderr}`;
}

const podsOf = (objects: K8sObject[]) =>
  objects.filter((object) => ['Deployment', 'StatefulSet', 'Job'].includes(object.kind) && object.spec?.template);
const containersOf = (objects: K8sObject[]) =>
  podsOf(objects).flatMap((object) =>
    (object.spec?.template?.spec.containers ?? []).map((container) => ({ owner: object, container })),
  );

const isRmaConfig = (object: K8sObject) => object.kind === 'ConfigMap' && object.metadata.name.startsWith('rma-config');

/** Names of the ConfigMaps a pod template reads, through envFrom or configMapKeyRef. */
function configMapsReadBy(owner: K8sObject): string[] {
  const containers = (owner.spec?.template?.spec.containers ?? []) as unknown as {
    envFrom?: { configMapRef?: { name: string } }[];
    env?: { valueFrom?: { configMapKeyRef?: { name: string } } }[];
  }[];
  return containers.flatMap((container) => [
    ...(container.envFrom ?? []).flatMap((source) => (source.configMapRef ? [source.configMapRef.name] : [])),
    ...(container.env ?? []).flatMap((variable) =>
      variable.valueFrom?.configMapKeyRef ? [variable.valueFrom.configMapKeyRef.name] : [],
    ),
  ]);
}

describe('Kubernetes manifests (deploy/k8s)', () => {
  let dir: string;
  const rendered: Record<string, K8sObject[]> = {};
  beforeAll(() => {
    // tmp/ is not in a fresh clone (it held only when another task had made it first).
    mkdirSync(join(workspaceRoot, 'tmp'), { recursive: true });
    dir = mkdtempSync(join(workspaceRoot, 'tmp', 'k8s-'));
    for (const overlay of OVERLAYS) rendered[overlay] = render(overlay);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(OVERLAYS)('%s renders with kubectl 1.20 kustomize, every object in the rma namespace', (overlay) => {
    const sut = rendered[overlay];

    expect(sut.length).toBeGreaterThan(20);
    expect(sut.filter((object) => object.kind !== 'Namespace' && object.metadata.namespace !== 'rma')).toEqual([]);
  });

  it.each(OVERLAYS)('%s: every object is valid by the Kubernetes OpenAPI schemas', (overlay) => {
    expect(schemaErrors(rendered[overlay], dir)).toEqual([]);
  });

  it.each(OVERLAYS)('%s: every object type-checks as the Kubernetes API types, no unknown field', (overlay) => {
    expect(typeErrors(rendered[overlay], overlay)).toBe('');
  });

  it('the validations reject a misspelt field and a wrongly typed one', () => {
    const deployment = rendered['ollama'].find(
      (object) => object.metadata.name === 'notes-service' && object.kind === 'Deployment',
    );
    const container = deployment?.spec?.template?.spec.containers[0] as unknown as Record<string, unknown>;
    const misspelt = structuredClone(deployment) as K8sObject;
    const spec = misspelt.spec?.template?.spec.containers[0] as unknown as Record<string, unknown>;
    spec['readynessProbe'] = container['readinessProbe'];
    const wrongType = structuredClone(deployment) as K8sObject;
    (wrongType.spec?.template?.spec.containers[0].ports ?? [])[0].containerPort = 'http' as unknown as number;

    expect(typeErrors([misspelt], 'misspelt')).toMatch(/'"readynessProbe"' does not exist in type 'Container'/);
    expect(schemaErrors([wrongType], dir)).toEqual([
      expect.objectContaining({
        name: 'notes-service',
        error: expect.stringContaining('containerPort must be integer'),
      }),
    ]);
  });

  it.each(OVERLAYS)("%s: each app's port and probes are the ones the app serves", (overlay) => {
    const health = readText('libs/shared/service-core/src/lib/health/health.controller.ts');
    expect(health).toContain("@Controller('health')");
    expect(health).toMatch(/@Get\('ready'\)/);
    const apps = containersOf(rendered[overlay]).filter(({ container }) => container.image.startsWith('rma/'));

    expect(apps.map(({ container }) => container.image.split(':')[0]).sort()).toEqual(
      SERVICE_APPS.map((app) => `rma/${app}`).sort(),
    );
    for (const { container } of apps) {
      const app = container.image.split(':')[0].slice('rma/'.length);
      const port = appPort(app);
      const http = container.ports?.find((entry) => entry.name === 'http');
      const probes = {
        port: http?.containerPort,
        env: container.env?.find((entry) => entry.name === 'PORT')?.value,
        startup: container.startupProbe?.httpGet,
        liveness: container.livenessProbe?.httpGet,
        readiness: container.readinessProbe?.httpGet,
      };

      expect({ app, ...probes }).toEqual({
        app,
        port,
        env: String(port),
        startup: { path: '/health', port: 'http' },
        liveness: { path: '/health', port: 'http' },
        readiness: { path: '/health/ready', port: 'http' },
      });
      expect(container.resources?.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    }
  });

  it.each(OVERLAYS)('%s: every Service and budget selects pods, and targets a port they name', (overlay) => {
    const objects = rendered[overlay];
    const pods = podsOf(objects);
    const selects = (selector: Record<string, string>) =>
      pods.filter((pod) =>
        Object.entries(selector).every(([key, value]) => pod.spec?.template?.metadata.labels[key] === value),
      );
    for (const service of objects.filter((object) => object.kind === 'Service')) {
      const selected = selects(service.spec?.selector as Record<string, string>);
      const names = selected.flatMap((pod) => pod.spec?.template?.spec.containers.flatMap((c) => c.ports ?? []) ?? []);
      expect({ service: service.metadata.name, pods: selected.length }).toEqual({
        service: service.metadata.name,
        pods: 1,
      });
      for (const port of service.spec?.ports ?? []) {
        expect(names.map((entry) => entry.name)).toContain(port.targetPort);
      }
    }
    for (const budget of objects.filter((object) => object.kind === 'PodDisruptionBudget')) {
      const selector = (budget.spec?.selector as { matchLabels: Record<string, string> }).matchLabels;
      expect({ budget: budget.metadata.name, pods: selects(selector).length }).toEqual({
        budget: budget.metadata.name,
        pods: 1,
      });
    }
    const autoscaler = objects.find((object) => object.kind === 'HorizontalPodAutoscaler');
    expect(autoscaler?.spec?.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'generation-worker' });
    expect(objects.some((o) => o.kind === 'Deployment' && o.metadata.name === 'generation-worker')).toBe(true);
  });

  it.each(OVERLAYS)('%s: the ConfigMap sets only variables the services read, and images are pinned', (overlay) => {
    const read = new Set(SERVICE_APPS.flatMap((app) => appEnvKeys(app).keys));
    const config = rendered[overlay].find(isRmaConfig);
    const images = containersOf(rendered[overlay]).map(({ container }) => container.image);

    expect(Object.keys(config?.data ?? {}).filter((key) => !read.has(key))).toEqual([]);
    for (const image of images) expect(image).toMatch(/:v?\d+\.\d+\.\d+(-[a-z]+)?$|^rma\/[a-z-]+:[\w.-]+$/);
  });

  it.each(OVERLAYS)('%s: the services run in production with API keys on, and boot from rma-config', (overlay) => {
    const config = rendered[overlay].find(isRmaConfig)?.data ?? {};

    expect({ NODE_ENV: config['NODE_ENV'], AUTH_MODE: config['AUTH_MODE'] }).toEqual({
      NODE_ENV: 'production',
      AUTH_MODE: 'on',
    });
    for (const app of SERVICE_APPS) {
      // Loaded by path: a check of the apps' own configuration, not a dependency of any code on them.
      const { validateEnv } = require(join(workspaceRoot, 'apps', app, 'src/config/env.schema')) as {
        validateEnv(env: Record<string, unknown>): unknown;
      };
      expect(() => validateEnv({ ...config, PORT: String(appPort(app)) })).not.toThrow();
    }
  });

  it.each(OVERLAYS)(
    '%s: a Job reads no hashed ConfigMap (its pod template is immutable), and pulls the models rma-config names',
    (overlay) => {
      const objects = rendered[overlay];
      const generated = objects.filter(isRmaConfig).map((object) => object.metadata.name);
      const jobs = objects.filter((object) => object.kind === 'Job');
      const models = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'ollama-models');
      const config = objects.find(isRmaConfig)?.data ?? {};

      expect(generated[0]).toMatch(/^rma-config-[a-z0-9]{10}$/);
      expect(jobs.map((job) => job.metadata.name)).toEqual(['ollama-pull']);
      for (const job of jobs) {
        expect(configMapsReadBy(job)).toEqual(['ollama-models', 'ollama-models', 'ollama-models']);
      }
      expect(models?.data).toEqual({
        LLM_CHAT_MODEL: config['LLM_CHAT_MODEL'],
        LLM_EMBEDDING_MODEL: config['LLM_EMBEDDING_MODEL'],
        LLM_VISION_MODEL: config['LLM_VISION_MODEL'],
      });
    },
  );

  it('the vllm overlay runs vLLM per GPU with its probes on its port, and points the services at it', () => {
    const objects = rendered['vllm'];
    const engines = containersOf(objects).filter(({ container }) => container.image.startsWith('vllm/vllm-openai:'));
    const config = objects.find(isRmaConfig)?.data ?? {};

    expect(engines.map(({ owner }) => owner.metadata.name).sort()).toEqual(['vllm-chat', 'vllm-embed']);
    // vLLM refuses a nomic-bert --max-model-len above max_trained_positions (2048) without --hf-overrides.
    const embed = engines.find(({ owner }) => owner.metadata.name === 'vllm-embed')?.container.args ?? [];
    expect(embed.find((arg) => arg.startsWith('--max-model-len='))).toBe('--max-model-len=2048');
    for (const { container } of engines) {
      expect(container.resources?.limits?.['nvidia.com/gpu']).toBe('1');
      // vllm serve listens on 8000 unless --port says otherwise; /health is its liveness endpoint.
      expect(container.args?.some((arg) => arg.startsWith('--port'))).toBe(false);
      expect(container.ports).toEqual([{ name: 'http', containerPort: 8000 }]);
      expect(container.readinessProbe?.httpGet).toEqual({ path: '/health', port: 'http' });
    }
    expect(config).toMatchObject({
      LLM_PROVIDER: 'vllm',
      LLM_FALLBACK: 'ollama',
      VLLM_URL: 'http://vllm-chat:8000',
      LLM_EMBEDDING_URL: 'http://vllm-embed:8000',
    });
    expect(rendered['ollama'].find(isRmaConfig)?.data).toMatchObject({
      LLM_PROVIDER: 'ollama',
    });
  });

  it('the vllm overlay lists every vllm-chat replica by its stable name for the provider to route across', () => {
    const objects = rendered['vllm'];
    const chat = objects.find((object) => object.metadata.name === 'vllm-chat' && object.kind === 'StatefulSet');
    const service = objects.find((object) => object.metadata.name === 'vllm-chat' && object.kind === 'Service');
    const spec = chat?.spec as unknown as { replicas: number; serviceName: string };
    const config = objects.find(isRmaConfig)?.data ?? {};

    // Pod names resolve only through a headless Service named by the StatefulSet's serviceName.
    expect(spec.serviceName).toBe(service?.metadata.name);
    expect((service?.spec as unknown as { clusterIP?: string }).clusterIP).toBe('None');
    expect(config['LLM_VLLM_URLS']?.split(',')).toEqual(
      Array.from({ length: spec.replicas }, (_, ordinal) => `http://vllm-chat-${ordinal}.${spec.serviceName}:8000`),
    );
  });
});
