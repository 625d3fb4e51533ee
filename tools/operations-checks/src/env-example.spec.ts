import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { SERVICE_APPS, readText, readYaml, workspaceRoot } from './workspace';

interface ComposeFile {
  services: Record<string, { environment?: Record<string, string> }>;
}

/** `.env.example` read as a dotenv file, as `cp .env.example .env` gives it to compose and `nx serve`. */
const envExample = parseEnv(readText('.env.example')) as Record<string, string>;

/** Compose's interpolation of `${VAR}`, `${VAR:-default}` and `${VAR-default}` against an env file. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Z][A-Z0-9_]*)(?:(:?-)([^}]*))?\}/g,
    (_, name: string, operator?: string, fallback?: string) => {
      const set = env[name];
      if (operator === ':-') return set ? set : (fallback ?? '');
      if (operator === '-') return set !== undefined ? set : (fallback ?? '');
      return set ?? '';
    },
  );
}

function validateEnvOf(app: string): (env: Record<string, unknown>) => unknown {
  // Loaded by path: a check of the apps' own configuration, not a dependency of any code on them.
  const module = require(join(workspaceRoot, 'apps', app, 'src/config/env.schema')) as {
    validateEnv(env: Record<string, unknown>): unknown;
  };
  return module.validateEnv;
}

describe('.env.example', () => {
  it('interpolates as compose does', () => {
    expect(interpolate('${A:-x},${B:-y},${C-z},${D}', { A: 'a', B: '', C: '' })).toBe('a,y,,');
  });

  it.each(SERVICE_APPS)('%s boots from a .env copied from .env.example', (app) => {
    const sut = validateEnvOf(app);

    expect(() => sut({ ...envExample })).not.toThrow();
  });

  it.each(['docker-compose.yml', 'docker-compose.vllm.yml'])(
    '%s: each app boots with .env.example as env_file and the compose environment on top',
    (file) => {
      const compose = readYaml<ComposeFile>(file);
      for (const app of SERVICE_APPS) {
        const environment = readYaml<ComposeFile>('docker-compose.yml').services[app].environment ?? {};
        const override = compose.services[app]?.environment ?? {};
        const resolved = Object.fromEntries(
          Object.entries({ ...environment, ...override }).map(([key, value]) => [
            key,
            interpolate(String(value), envExample),
          ]),
        );

        expect(() => validateEnvOf(app)({ ...envExample, ...resolved })).not.toThrow();
      }
    },
  );

  it('ollama-pull pulls three different models, as .env.example configures them', () => {
    const pull = readYaml<{ services: Record<string, { environment: Record<string, string> }> }>('docker-compose.yml')
      .services['ollama-pull'].environment;
    const models = ['CHAT', 'EMBEDDING', 'VISION'].map((key) => interpolate(pull[key], envExample));

    expect(models[1]).toBe('nomic-embed-text');
    expect(new Set(models).size).toBe(3);
  });

  it('the GPU file maps each model to its own vLLM name, as .env.example configures them', () => {
    const gpu = readYaml<ComposeFile>('docker-compose.vllm.yml');
    const pairs = interpolate(gpu.services['rag-service'].environment?.['LLM_MODEL_NAMES'] ?? '', envExample)
      .split(',')
      .map((pair) => pair.split('='));

    expect(pairs).toHaveLength(2);
    expect(new Set(pairs.map(([tag]) => tag)).size).toBe(2);
    expect(new Set(pairs.map(([, name]) => name)).size).toBe(2);
    expect(pairs[1]).toEqual(['nomic-embed-text', 'nomic-ai/nomic-embed-text-v1.5']);
  });
});
