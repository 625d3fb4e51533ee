import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countParameters, defaultModelFileName, ensureModel, generateModel } from './generate-model.ts';

describe('generateModel and ensureModel', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'model-gen-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the file (creating folders), leaves no temporary file and reports its hash', () => {
    const outPath = join(dir, 'nested', 'tiny.gguf');

    const sut = generateModel({ preset: 'tiny', seed: 42, outPath });

    const bytes = readFileSync(outPath);
    expect(sut).toEqual({
      path: outPath,
      bytes: bytes.length,
      parameters: countParameters('tiny'),
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect(bytes.length).toBeLessThan(1024 * 1024);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['tiny.gguf']);
  });

  it('writes the same bytes on every run with the same seed', () => {
    const first = generateModel({ preset: 'tiny', seed: 9, outPath: join(dir, 'a.gguf') });
    const second = generateModel({ preset: 'tiny', seed: 9, outPath: join(dir, 'b.gguf') });

    expect(second.sha256).toBe(first.sha256);
  });

  it('ensureModel leaves an existing file alone and generates a missing one', () => {
    const existing = join(dir, 'existing.gguf');
    writeFileSync(existing, 'not a model');
    const missing = join(dir, 'missing.gguf');

    const kept = ensureModel({ preset: 'tiny', seed: 1, outPath: existing });
    const made = ensureModel({ preset: 'tiny', seed: 1, outPath: missing });

    expect(kept).toEqual({ path: existing, bytes: 11, parameters: countParameters('tiny'), generated: false });
    expect(readFileSync(existing, 'utf8')).toBe('not a model');
    expect(made).toMatchObject({ path: missing, generated: true, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(existsSync(missing)).toBe(true);
  });

  it('names default files after preset, seed and guard', () => {
    expect(defaultModelFileName('tiny', 42)).toBe('tiny-s42.gguf');
    expect(defaultModelFileName('medium', 7, false)).toBe('medium-s7-noguard.gguf');
  });

  it('counts about 0.16M parameters for tiny and about 28M for medium', () => {
    expect(countParameters('tiny')).toBe(157_760);
    expect(countParameters('medium')).toBe(27_875_840);
  });
});
