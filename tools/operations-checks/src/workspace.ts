import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The repository root. */
export const workspaceRoot = join(__dirname, '..', '..', '..');

/** A file of the repository as text. */
export function readText(path: string): string {
  return readFileSync(join(workspaceRoot, path), 'utf8');
}

/** A YAML file of the repository; `merge` resolves the `<<` keys the compose files use. */
export function readYaml<T = unknown>(path: string): T {
  return parse(readText(path), { merge: true }) as T;
}

/** The apps built from docker/Dockerfile (a compose service or Deployment each). */
export const SERVICE_APPS = ['notes-service', 'doc-processor', 'rag-service', 'generation-worker'] as const;

/** Each app's default port, as its config folder sets it (`portVar(...)`). */
export function appPort(app: string): number {
  const match = /PORT:\s*portVar\((\d+)\)/.exec(readText(`apps/${app}/src/config/env.schema.ts`));
  if (!match) throw new Error(`apps/${app}/src/config/env.schema.ts sets no PORT`);
  return Number(match[1]);
}

/** The app's env schema: every variable it reads, and which have defaults. */
export function appEnvKeys(app: string): { keys: string[]; required: string[] } {
  // Loaded by path: a check of the apps' own configuration, not a dependency of any code on them.
  const module = require(join(workspaceRoot, 'apps', app, 'src/config/env.schema')) as Record<string, unknown>;
  const schema = Object.entries(module).find(([name]) => name.endsWith('EnvSchema'))?.[1] as
    { shape: Record<string, { safeParse(value: unknown): { success: boolean } }> } | undefined;
  if (!schema?.shape) throw new Error(`apps/${app}/src/config/env.schema.ts exports no *EnvSchema object`);
  const keys = Object.keys(schema.shape);
  return { keys, required: keys.filter((key) => !schema.shape[key].safeParse(undefined).success) };
}

/** The variables .env.example lists, set (`KEY=...`) or shown commented (`# KEY=...`). */
export function envExampleKeys(): Set<string> {
  const keys = new Set<string>();
  for (const line of readText('.env.example').split('\n')) {
    const match = /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line.trim());
    if (match) keys.add(match[1]);
  }
  return keys;
}
