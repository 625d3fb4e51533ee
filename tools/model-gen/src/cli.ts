// Writes a random-weight GGUF model. Runs with Node 24's type stripping, no build step:
//
//   node tools/model-gen/src/cli.ts --preset tiny|medium [--seed 42] [--out PATH] [--no-eog-guard] [--force]
//
// Prints one line of JSON: {path, bytes, parameters, sha256, ms, generated}. Without --force an
// existing file is left as it is (generated: false). Bad arguments exit with code 2.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultModelFileName, ensureModel, generateModel } from './generate-model.ts';
import { isPresetName, PRESET_NAMES } from './presets.ts';
import type { PresetName } from './presets.ts';

const USAGE =
  'usage: node tools/model-gen/src/cli.ts --preset tiny|medium [--seed N] [--out PATH] [--no-eog-guard] [--force]';

// This file is tools/model-gen/src/cli.ts: the workspace root is three folders up.
const workspaceRoot = resolve(dirname(resolve(process.argv[1] ?? '.')), '..', '..', '..');

interface CliOptions {
  preset: PresetName;
  seed: number;
  outPath: string;
  eogGuard: boolean;
  force: boolean;
}

function fail(message: string): never {
  process.stderr.write(`model-gen: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        preset: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        'no-eog-guard': { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}`);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (values.preset === undefined) fail(`--preset is required; use one of: ${PRESET_NAMES.join(', ')}`);
  if (!isPresetName(values.preset)) {
    fail(`unknown preset "${values.preset}"; use one of: ${PRESET_NAMES.join(', ')}`);
  }
  const seedText = values.seed ?? '42';
  const seed = /^\d+$/.test(seedText) ? Number(seedText) : NaN;
  if (!Number.isInteger(seed) || seed > 0xffffffff) {
    fail(`--seed must be an integer from 0 to 4294967295, got "${seedText}"`);
  }
  if (values.out !== undefined && values.out.trim() === '') fail('--out must be a file path, got an empty string');
  const eogGuard = !values['no-eog-guard'];
  const outPath =
    values.out !== undefined
      ? resolve(values.out)
      : join(workspaceRoot, '.cache', 'models', defaultModelFileName(values.preset, seed, eogGuard));
  return { preset: values.preset, seed, outPath, eogGuard, force: values.force };
}

function main(): void {
  const options = parseCli(process.argv.slice(2));
  const started = performance.now();
  const model = { preset: options.preset, seed: options.seed, outPath: options.outPath, eogGuard: options.eogGuard };
  const result = options.force ? { ...generateModel(model), generated: true } : ensureModel(model);
  const sha256 = result.sha256 ?? createHash('sha256').update(readFileSync(result.path)).digest('hex');
  const ms = Math.round(performance.now() - started);
  process.stdout.write(
    `${JSON.stringify({ path: result.path, bytes: result.bytes, parameters: result.parameters, sha256, ms, generated: result.generated })}\n`,
  );
}

main();
