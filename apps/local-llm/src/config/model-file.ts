import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { LocalLlmConfig } from './local-llm.config';

const GENERATOR = join('tools', 'model-gen', 'src', 'cli.ts');

/** The workspace root: the nearest folder above `from` that holds the model generator. */
function findWorkspaceRoot(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, GENERATOR))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The GGUF file to serve: LOCAL_LLM_MODEL when given (any real model), else the generated preset,
 * written on first use by tools/model-gen (seeded random weights: same seed, same bytes).
 */
export function resolveModelFile(config: LocalLlmConfig): {
  path: string;
  generated: boolean;
} {
  if (config.model) {
    const path = resolve(config.model);
    if (!existsSync(path)) {
      throw new Error(`model file ${path} does not exist; set LOCAL_LLM_MODEL (or --model) to a .gguf file`);
    }
    return { path, generated: false };
  }
  const path = resolve(config['models-dir'], `${config.preset}-s${config.seed}.gguf`);
  if (existsSync(path)) return { path, generated: false };
  const root = findWorkspaceRoot(process.cwd()) ?? findWorkspaceRoot(__dirname);
  if (!root) {
    throw new Error(
      `no model at ${path} and tools/model-gen is not here to make one; set LOCAL_LLM_MODEL to a .gguf file`,
    );
  }
  const result = spawnSync(
    process.execPath,
    [join(root, GENERATOR), '--preset', config.preset, '--seed', String(config.seed), '--out', path],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(`generating the ${config.preset} model failed: ${result.stderr || result.error?.message}`);
  }
  return { path, generated: true };
}
