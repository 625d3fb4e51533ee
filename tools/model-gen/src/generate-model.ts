// Writes a llama-architecture GGUF model with seeded random weights and a byte-level SPM tokenizer.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { encodeGguf, GGUF_DEFAULT_ALIGNMENT } from './gguf-writer.ts';
import type { GgufLayout, GgufMetadataEntry, GgufTensorInfo, GgufTensorLayout } from './gguf-writer.ts';
import { BOS_ID, buildVocabulary, CONTROL_TOKEN_IDS, EOS_ID, PRESETS, UNK_ID } from './presets.ts';
import type { Preset, PresetName, Vocabulary } from './presets.ts';

/** Standard deviation of the random weights. */
export const WEIGHT_STD = 0.02;
/** RMS norm epsilon written to llama.attention.layer_norm_rms_epsilon. */
export const RMS_EPSILON = 1e-5;
/** Embedding dimension the end-of-generation guard reserves as a constant. */
export const GUARD_DIM = 0;
/** The value of the reserved dimension in every token embedding. */
export const GUARD_EMBEDDING_VALUE = 1;
/** The output weight of `<unk>`, `<s>` and `</s>` on the reserved dimension. */
export const GUARD_OUTPUT_WEIGHT = -30;

export interface ModelOptions {
  preset: PresetName;
  /** An integer in [0, 2^32). */
  seed: number;
  /**
   * Keep `<unk>`, `<s>` and `</s>` from ever being sampled (default true). A random model otherwise
   * ends a generation early now and then, and node-llama-cpp ignores a "never" bias on the end token.
   */
  eogGuard?: boolean;
}

export interface GenerateModelOptions extends ModelOptions {
  outPath: string;
}

export interface GeneratedModel {
  /** Absolute path of the file. */
  path: string;
  bytes: number;
  parameters: number;
  sha256: string;
}

export interface EnsuredModel {
  path: string;
  bytes: number;
  parameters: number;
  /** Only when this call wrote the file. */
  sha256?: string;
  /** False when the file was already there and was left as it is. */
  generated: boolean;
}

// Local bindings for the hot loops: looking `Math` up on the global object costs more than the maths
// inside vm contexts such as Jest's (medium took 18 s there instead of about 1 s).
const { imul, log, sqrt, sin, cos, PI } = Math;

/** mulberry32: a small, fast 32-bit PRNG; returns floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = imul(state ^ (state >>> 15), 1 | state);
    t = (t + imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box-Muller (both values of each pair are used). */
class NormalRandom {
  private readonly uniform: () => number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.uniform = mulberry32(seed);
  }

  next(): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    const radius = sqrt(-2 * log(u1));
    const angle = 2 * PI * u2;
    this.spare = radius * sin(angle);
    return radius * cos(angle);
  }
}

export function assertSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`seed must be an integer from 0 to 4294967295, got ${seed}`);
  }
}

function presetOf(name: PresetName): Preset {
  const preset: Preset | undefined = PRESETS[name];
  if (!preset) throw new Error(`unknown preset "${name}"; use one of: ${Object.keys(PRESETS).join(', ')}`);
  return preset;
}

/** Tensor names, shapes (ggml `ne` order) and types, in file order. */
export function modelTensors(presetName: PresetName, nVocab = buildVocabulary().tokens.length): GgufTensorInfo[] {
  const p = presetOf(presetName);
  const w = p.weightType;
  const nEmbdKv = (p.nEmbd / p.nHead) * p.nHeadKv;
  const tensors: GgufTensorInfo[] = [
    { name: 'token_embd.weight', dims: [p.nEmbd, nVocab], type: w },
    { name: 'output_norm.weight', dims: [p.nEmbd], type: 'f32' },
    { name: 'output.weight', dims: [p.nEmbd, nVocab], type: w },
  ];
  for (let block = 0; block < p.nLayer; block++) {
    const prefix = `blk.${block}`;
    tensors.push(
      { name: `${prefix}.attn_norm.weight`, dims: [p.nEmbd], type: 'f32' },
      { name: `${prefix}.attn_q.weight`, dims: [p.nEmbd, p.nEmbd], type: w },
      { name: `${prefix}.attn_k.weight`, dims: [p.nEmbd, nEmbdKv], type: w },
      { name: `${prefix}.attn_v.weight`, dims: [p.nEmbd, nEmbdKv], type: w },
      { name: `${prefix}.attn_output.weight`, dims: [p.nEmbd, p.nEmbd], type: w },
      { name: `${prefix}.ffn_norm.weight`, dims: [p.nEmbd], type: 'f32' },
      { name: `${prefix}.ffn_gate.weight`, dims: [p.nEmbd, p.nFf], type: w },
      { name: `${prefix}.ffn_up.weight`, dims: [p.nEmbd, p.nFf], type: w },
      { name: `${prefix}.ffn_down.weight`, dims: [p.nFf, p.nEmbd], type: w },
    );
  }
  return tensors;
}

/** Total number of weights of a preset's model. */
export function countParameters(presetName: PresetName): number {
  return modelTensors(presetName).reduce((sum, t) => sum + t.dims.reduce((product, d) => product * d, 1), 0);
}

export function modelMetadata(presetName: PresetName, seed: number, vocab: Vocabulary): GgufMetadataEntry[] {
  const p = presetOf(presetName);
  const u32 = (value: number) => ({ type: 'uint32', value }) as const;
  return [
    { key: 'general.architecture', value: { type: 'string', value: 'llama' } },
    { key: 'general.name', value: { type: 'string', value: `model-gen-${presetName}-s${seed}` } },
    { key: 'llama.context_length', value: u32(p.contextLength) },
    { key: 'llama.embedding_length', value: u32(p.nEmbd) },
    { key: 'llama.block_count', value: u32(p.nLayer) },
    { key: 'llama.feed_forward_length', value: u32(p.nFf) },
    { key: 'llama.attention.head_count', value: u32(p.nHead) },
    { key: 'llama.attention.head_count_kv', value: u32(p.nHeadKv) },
    { key: 'llama.rope.dimension_count', value: u32(p.nEmbd / p.nHead) },
    { key: 'llama.attention.layer_norm_rms_epsilon', value: { type: 'float32', value: RMS_EPSILON } },
    { key: 'general.alignment', value: u32(GGUF_DEFAULT_ALIGNMENT) },
    // llama_ftype: 0 = ALL_F32, 1 = MOSTLY_F16.
    { key: 'general.file_type', value: u32(p.weightType === 'f16' ? 1 : 0) },
    { key: 'tokenizer.ggml.model', value: { type: 'string', value: 'llama' } },
    { key: 'tokenizer.ggml.tokens', value: { type: 'string[]', value: vocab.tokens } },
    { key: 'tokenizer.ggml.scores', value: { type: 'float32[]', value: vocab.scores } },
    { key: 'tokenizer.ggml.token_type', value: { type: 'int32[]', value: vocab.tokenTypes } },
    { key: 'tokenizer.ggml.bos_token_id', value: u32(BOS_ID) },
    { key: 'tokenizer.ggml.eos_token_id', value: u32(EOS_ID) },
    { key: 'tokenizer.ggml.unknown_token_id', value: u32(UNK_ID) },
    { key: 'tokenizer.ggml.add_bos_token', value: { type: 'bool', value: true } },
    { key: 'tokenizer.ggml.add_eos_token', value: { type: 'bool', value: false } },
  ];
}

/**
 * The end-of-generation guard, applied on top of the random values (so guard on and off consume the
 * same random stream). Dimension GUARD_DIM of the residual stream is a constant: every embedding has
 * it, and no attention output or feed-forward output row writes to it. After the final RMS norm it is
 * about sqrt(n_embd) times the constant, so the control tokens' logits sit about 30 * sqrt(n_embd)
 * below the rest (-240 for tiny, -680 for medium): no sampler setting picks them.
 */
function applyGuard(tensor: GgufTensorLayout, values: Float32Array): void {
  const [ne0, ne1 = 1] = tensor.dims;
  if (tensor.name === 'token_embd.weight') {
    for (let token = 0; token < ne1; token++) values[token * ne0 + GUARD_DIM] = GUARD_EMBEDDING_VALUE;
  } else if (tensor.name === 'output.weight') {
    for (let token = 0; token < ne1; token++) values[token * ne0 + GUARD_DIM] = 0;
    for (const token of CONTROL_TOKEN_IDS) values[token * ne0 + GUARD_DIM] = GUARD_OUTPUT_WEIGHT;
  } else if (/\.(attn_output|ffn_down)\.weight$/.test(tensor.name)) {
    // ggml_mul_mat: output row j reads values[j * ne0 .. (j + 1) * ne0).
    values.fill(0, GUARD_DIM * ne0, (GUARD_DIM + 1) * ne0);
  }
}

export interface BuiltModel {
  buffer: Buffer;
  layout: GgufLayout;
  parameters: number;
}

/** The whole model file in memory. Same preset, seed and guard setting => the same bytes. */
export function buildModel({ preset, seed, eogGuard = true }: ModelOptions): BuiltModel {
  assertSeed(seed);
  const vocab = buildVocabulary();
  const random = new NormalRandom(seed);
  let parameters = 0;
  const { buffer, layout } = encodeGguf({
    metadata: modelMetadata(preset, seed, vocab),
    tensors: modelTensors(preset, vocab.tokens.length),
    data: (tensor) => {
      parameters += tensor.elements;
      const values = new Float32Array(tensor.elements);
      if (tensor.dims.length === 1) return values.fill(1); // RMS norm weights
      for (let i = 0; i < values.length; i++) values[i] = random.next() * WEIGHT_STD;
      if (eogGuard) applyGuard(tensor, values);
      return values;
    },
  });
  return { buffer, layout, parameters };
}

/** Builds the model and writes it atomically (a temporary file, then a rename). */
export function generateModel({ outPath, ...options }: GenerateModelOptions): GeneratedModel {
  const { buffer, parameters } = buildModel(options);
  const path = resolve(outPath);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(temporary, buffer);
    renameSync(temporary, path);
  } catch (error) {
    if (existsSync(temporary)) unlinkSync(temporary);
    throw error;
  }
  return {
    path,
    bytes: buffer.length,
    parameters,
    sha256: createHash('sha256').update(buffer).digest('hex'),
  };
}

/** Returns at once when `outPath` exists (it is not checked or rewritten); otherwise generates it. */
export function ensureModel(options: GenerateModelOptions): EnsuredModel {
  const path = resolve(options.outPath);
  if (existsSync(path)) {
    return { path, bytes: statSync(path).size, parameters: countParameters(options.preset), generated: false };
  }
  return { ...generateModel(options), generated: true };
}

/** `<preset>-s<seed>.gguf`, with `-noguard` before the extension when the guard is off. */
export function defaultModelFileName(preset: PresetName, seed: number, eogGuard = true): string {
  return `${preset}-s${seed}${eogGuard ? '' : '-noguard'}.gguf`;
}
