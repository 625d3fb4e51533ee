import { createHash } from 'node:crypto';
import { alignUp, encodeGguf, float32ToFloat16Bits, GGML_TYPE } from './gguf-writer.ts';
import type { GgufMetadataEntry } from './gguf-writer.ts';
import { buildModel, GUARD_EMBEDDING_VALUE, GUARD_OUTPUT_WEIGHT, modelTensors, RMS_EPSILON } from './generate-model.ts';
import { buildVocabulary, CONTROL_TOKEN_IDS, PRESETS, SPACE_MARKER, TOKEN_TYPE } from './presets.ts';
import type { PresetName } from './presets.ts';

// ---- A minimal GGUF reader, independent of the writer ----

interface ReadTensor {
  name: string;
  dims: number[];
  type: number;
  offset: number;
}

interface ReadGguf {
  magic: string;
  version: number;
  tensorCount: number;
  kvCount: number;
  metadata: Map<string, unknown>;
  tensors: ReadTensor[];
  dataOffset: number;
}

function readGguf(buffer: Buffer): ReadGguf {
  let position = 0;
  const u32 = () => {
    const value = buffer.readUInt32LE(position);
    position += 4;
    return value;
  };
  const u64 = () => {
    const value = Number(buffer.readBigUInt64LE(position));
    position += 8;
    return value;
  };
  const string = () => {
    const length = u64();
    const value = buffer.toString('utf8', position, position + length);
    position += length;
    return value;
  };
  const value = (type: number): unknown => {
    switch (type) {
      case 0:
        return buffer.readUInt8(position++);
      case 1:
        return buffer.readInt8(position++);
      case 4:
        return u32();
      case 5: {
        const v = buffer.readInt32LE(position);
        position += 4;
        return v;
      }
      case 6: {
        const v = buffer.readFloatLE(position);
        position += 4;
        return v;
      }
      case 7:
        return buffer.readUInt8(position++) !== 0;
      case 8:
        return string();
      case 9: {
        const itemType = u32();
        const count = u64();
        return Array.from({ length: count }, () => value(itemType));
      }
      case 10:
        return u64();
      default:
        throw new Error(`value type ${type} not supported by the test reader`);
    }
  };
  const magic = buffer.toString('latin1', 0, 4);
  position = 4;
  const version = u32();
  const tensorCount = u64();
  const kvCount = u64();
  const metadata = new Map<string, unknown>();
  const valueTypes = new Map<string, number>();
  for (let i = 0; i < kvCount; i++) {
    const key = string();
    const type = u32();
    valueTypes.set(key, type);
    metadata.set(key, value(type));
  }
  const tensors: ReadTensor[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = string();
    const nDims = u32();
    const dims = Array.from({ length: nDims }, () => u64());
    tensors.push({ name, dims, type: u32(), offset: u64() });
  }
  const alignment = (metadata.get('general.alignment') as number | undefined) ?? 32;
  metadata.set('__types__', valueTypes);
  return { magic, version, tensorCount, kvCount, metadata, tensors, dataOffset: alignUp(position, alignment) };
}

const ELEMENT_BYTES: Record<number, number> = { 0: 4, 1: 2 };

function f16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Element i of a tensor as a number (F32 or F16). */
function element(buffer: Buffer, file: ReadGguf, tensor: ReadTensor, index: number): number {
  const start = file.dataOffset + tensor.offset;
  return tensor.type === GGML_TYPE.f32
    ? buffer.readFloatLE(start + index * 4)
    : f16ToNumber(buffer.readUInt16LE(start + index * 2));
}

function sha256(buffer: Buffer): string {
  return createHash('sha256').update(buffer).digest('hex');
}

// ---- Tests ----

describe('float32ToFloat16Bits', () => {
  const f16 = (
    globalThis as { Float16Array?: new (length: number) => { [index: number]: number; buffer: ArrayBuffer } }
  ).Float16Array;

  function reference(value: number): number {
    if (!f16) throw new Error('Float16Array is missing');
    const array = new f16(1);
    array[0] = value;
    return new Uint16Array(array.buffer)[0];
  }

  it('encodes exact values, limits and specials', () => {
    expect(float32ToFloat16Bits(0)).toBe(0x0000);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-30)).toBe(0xcf80);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // rounds up to infinity
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000); // halfway, ties to even
    expect(float32ToFloat16Bits(Infinity)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-Infinity)).toBe(0xfc00);
    expect(float32ToFloat16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(float32ToFloat16Bits(NaN) & 0x3ff).not.toBe(0);
  });

  (f16 ? it : it.skip)('matches Float16Array on a million float32 values of every magnitude', () => {
    const bits = new Uint32Array(1);
    const float = new Float32Array(bits.buffer);
    let state = 12345;
    const mismatches: string[] = [];
    for (let i = 0; i < 1_000_000 && mismatches.length < 5; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      bits[0] = state;
      const value = float[0];
      if (Number.isNaN(value)) continue;
      if (float32ToFloat16Bits(value) !== reference(value)) mismatches.push(`${value}`);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('encodeGguf', () => {
  it('writes header, metadata, tensor infos and aligned data that a reader gets back', () => {
    const metadata: GgufMetadataEntry[] = [
      { key: 'general.alignment', value: { type: 'uint32', value: 32 } },
      { key: 'a.string', value: { type: 'string', value: 'h\u00e9llo \u2581' } },
      { key: 'a.bool', value: { type: 'bool', value: true } },
      { key: 'a.floats', value: { type: 'float32[]', value: [0.5, -2] } },
      { key: 'a.ints', value: { type: 'int32[]', value: [-1, 6] } },
      { key: 'a.strings', value: { type: 'string[]', value: ['x', ''] } },
    ];
    const { buffer, layout } = encodeGguf({
      metadata,
      tensors: [
        { name: 'odd', dims: [3], type: 'f32' },
        { name: 'half', dims: [2, 3], type: 'f16' },
      ],
      data: (tensor) => Float32Array.from({ length: tensor.elements }, (_, i) => i + 0.5),
    });

    const file = readGguf(buffer);

    expect(file).toMatchObject({ magic: 'GGUF', version: 3, tensorCount: 2, kvCount: 6 });
    expect(file.metadata.get('a.string')).toBe('h\u00e9llo \u2581');
    expect(file.metadata.get('a.bool')).toBe(true);
    expect(file.metadata.get('a.floats')).toEqual([0.5, -2]);
    expect(file.metadata.get('a.ints')).toEqual([-1, 6]);
    expect(file.metadata.get('a.strings')).toEqual(['x', '']);
    expect(file.tensors).toEqual([
      { name: 'odd', dims: [3], type: 0, offset: 0 },
      { name: 'half', dims: [2, 3], type: 1, offset: 32 },
    ]);
    expect(file.dataOffset).toBe(layout.dataOffset);
    expect(file.dataOffset % 32).toBe(0);
    expect(buffer.length).toBe(file.dataOffset + 32 + 32);
    expect([0, 1, 2].map((i) => element(buffer, file, file.tensors[0], i))).toEqual([0.5, 1.5, 2.5]);
    expect([0, 5].map((i) => element(buffer, file, file.tensors[1], i))).toEqual([0.5, 5.5]);
    expect(buffer.subarray(file.dataOffset + 12, file.dataOffset + 32).every((byte) => byte === 0)).toBe(true);
  });

  it('rejects data of the wrong length', () => {
    expect(() =>
      encodeGguf({ metadata: [], tensors: [{ name: 't', dims: [4], type: 'f32' }], data: () => new Float32Array(3) }),
    ).toThrow(/expected 4 values, got 3/);
  });
});

describe.each(['tiny', 'medium'] as PresetName[])('the %s model file', (presetName) => {
  const preset = PRESETS[presetName];
  const vocab = buildVocabulary();
  const nVocab = vocab.tokens.length;
  const weightType = preset.weightType === 'f16' ? GGML_TYPE.f16 : GGML_TYPE.f32;
  let buffer: Buffer;
  let file: ReadGguf;
  let parameters: number;

  beforeAll(() => {
    ({ buffer, parameters } = buildModel({ preset: presetName, seed: 42 }));
    file = readGguf(buffer);
  });

  it('has a GGUF v3 header and the llama metadata of the preset', () => {
    expect(file.magic).toBe('GGUF');
    expect(file.version).toBe(3);
    expect(file.tensorCount).toBe(3 + 9 * preset.nLayer);
    expect(file.kvCount).toBe(21);
    const m = file.metadata;
    const arrays = ['tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type', '__types__'];
    expect(Object.fromEntries([...m].filter(([key]) => !arrays.includes(key)))).toEqual({
      'general.architecture': 'llama',
      'general.name': `model-gen-${presetName}-s42`,
      'llama.context_length': preset.contextLength,
      'llama.embedding_length': preset.nEmbd,
      'llama.block_count': preset.nLayer,
      'llama.feed_forward_length': preset.nFf,
      'llama.attention.head_count': preset.nHead,
      'llama.attention.head_count_kv': preset.nHeadKv,
      'llama.rope.dimension_count': preset.nEmbd / preset.nHead,
      'llama.attention.layer_norm_rms_epsilon': Math.fround(RMS_EPSILON),
      'general.alignment': 32,
      'general.file_type': preset.weightType === 'f16' ? 1 : 0,
      'tokenizer.ggml.model': 'llama',
      'tokenizer.ggml.bos_token_id': 1,
      'tokenizer.ggml.eos_token_id': 2,
      'tokenizer.ggml.unknown_token_id': 0,
      'tokenizer.ggml.add_bos_token': true,
      'tokenizer.ggml.add_eos_token': false,
    });
    const types = m.get('__types__') as Map<string, number>;
    expect(types.get('llama.context_length')).toBe(4); // uint32
    expect(types.get('llama.attention.layer_norm_rms_epsilon')).toBe(6); // float32
    expect(types.get('tokenizer.ggml.add_bos_token')).toBe(7); // bool
  });

  it('has the byte-level SPM vocabulary', () => {
    const tokens = file.metadata.get('tokenizer.ggml.tokens') as string[];
    const types = file.metadata.get('tokenizer.ggml.token_type') as number[];
    const scores = file.metadata.get('tokenizer.ggml.scores') as number[];
    expect(tokens.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>']);
    expect(tokens[258]).toBe('<0xFF>');
    expect(tokens[259]).toBe(SPACE_MARKER);
    expect(types.slice(0, 4)).toEqual([TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control, TOKEN_TYPE.byte]);
    expect(types.slice(3, 259).every((type) => type === TOKEN_TYPE.byte)).toBe(true);
    expect(types.slice(259).every((type) => type === TOKEN_TYPE.normal)).toBe(true);
    expect(tokens.slice(259).every((token) => token.startsWith(SPACE_MARKER))).toBe(true);
    expect(tokens).toEqual(expect.arrayContaining(['\u2581hello', '\u2581world']));
    expect(new Set(tokens).size).toBe(tokens.length);
    const wordScores = scores.slice(259);
    expect(wordScores.every((score, i) => i === 0 || score < wordScores[i - 1])).toBe(true);
    expect(tokens.length).toBe(nVocab);
  });

  it('lays the tensors out in ggml ne order, 32-byte aligned and back to back', () => {
    const expected = modelTensors(presetName);
    expect(file.tensors.map(({ name, dims }) => ({ name, dims }))).toEqual(
      expected.map(({ name, dims }) => ({ name, dims: [...dims] })),
    );
    expect(file.tensors.slice(0, 3)).toMatchObject([
      { name: 'token_embd.weight', dims: [preset.nEmbd, nVocab], type: weightType },
      { name: 'output_norm.weight', dims: [preset.nEmbd], type: GGML_TYPE.f32 },
      { name: 'output.weight', dims: [preset.nEmbd, nVocab], type: weightType },
    ]);
    const block = file.tensors.filter((t) => t.name.startsWith('blk.1.'));
    expect(block.map(({ name, dims, type }) => [name, dims, type])).toEqual([
      ['blk.1.attn_norm.weight', [preset.nEmbd], GGML_TYPE.f32],
      ['blk.1.attn_q.weight', [preset.nEmbd, preset.nEmbd], weightType],
      ['blk.1.attn_k.weight', [preset.nEmbd, preset.nEmbd], weightType],
      ['blk.1.attn_v.weight', [preset.nEmbd, preset.nEmbd], weightType],
      ['blk.1.attn_output.weight', [preset.nEmbd, preset.nEmbd], weightType],
      ['blk.1.ffn_norm.weight', [preset.nEmbd], GGML_TYPE.f32],
      ['blk.1.ffn_gate.weight', [preset.nEmbd, preset.nFf], weightType],
      ['blk.1.ffn_up.weight', [preset.nEmbd, preset.nFf], weightType],
      ['blk.1.ffn_down.weight', [preset.nFf, preset.nEmbd], weightType],
    ]);
    expect(file.dataOffset % 32).toBe(0);
    let offset = 0;
    let elements = 0;
    for (const tensor of file.tensors) {
      expect(tensor.offset).toBe(offset);
      expect(tensor.offset % 32).toBe(0);
      const count = tensor.dims.reduce((a, b) => a * b, 1);
      elements += count;
      offset += alignUp(count * ELEMENT_BYTES[tensor.type], 32);
    }
    expect(buffer.length).toBe(file.dataOffset + offset);
    expect(parameters).toBe(elements);
  });

  it('has norms of 1, weights of std 0.02 and the end-of-generation guard', () => {
    const byName = new Map(file.tensors.map((t) => [t.name, t]));
    const get = (name: string, index: number) => element(buffer, file, byName.get(name) as ReadTensor, index);
    for (const name of ['output_norm.weight', 'blk.0.attn_norm.weight', 'blk.0.ffn_norm.weight']) {
      expect(Array.from({ length: preset.nEmbd }, (_, i) => get(name, i)).every((v) => v === 1)).toBe(true);
    }
    const q = byName.get('blk.0.attn_q.weight') as ReadTensor;
    const sample = Array.from({ length: 4096 }, (_, i) => element(buffer, file, q, i));
    const mean = sample.reduce((a, b) => a + b, 0) / sample.length;
    const std = Math.sqrt(sample.reduce((a, b) => a + (b - mean) ** 2, 0) / sample.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);

    const n = preset.nEmbd;
    for (const token of [0, 1, 2, 100, nVocab - 1])
      expect(get('token_embd.weight', token * n)).toBe(GUARD_EMBEDDING_VALUE);
    for (const token of CONTROL_TOKEN_IDS) expect(get('output.weight', token * n)).toBe(GUARD_OUTPUT_WEIGHT);
    expect(get('output.weight', 100 * n)).toBe(0);
    for (let block = 0; block < preset.nLayer; block++) {
      const attnRow0 = Array.from({ length: n }, (_, i) => get(`blk.${block}.attn_output.weight`, i));
      const ffnRow0 = Array.from({ length: preset.nFf }, (_, i) => get(`blk.${block}.ffn_down.weight`, i));
      expect(attnRow0.every((v) => v === 0)).toBe(true);
      expect(ffnRow0.every((v) => v === 0)).toBe(true);
      expect(get(`blk.${block}.attn_output.weight`, n)).not.toBe(0); // row 1 is random
    }
  });
});

describe('determinism', () => {
  it('gives byte-identical files for the same preset and seed, different bytes for another seed', () => {
    const first = buildModel({ preset: 'tiny', seed: 42 }).buffer;
    const again = buildModel({ preset: 'tiny', seed: 42 }).buffer;
    const other = buildModel({ preset: 'tiny', seed: 43 }).buffer;

    expect(sha256(again)).toBe(sha256(first));
    expect(other.length).toBe(first.length);
    expect(sha256(other)).not.toBe(sha256(first));
  });

  it('changes only the guarded weights when the guard is off', () => {
    const guarded = buildModel({ preset: 'tiny', seed: 7 });
    const unguarded = buildModel({ preset: 'tiny', seed: 7, eogGuard: false });
    const file = readGguf(guarded.buffer);
    const changed = new Set<string>();
    for (const tensor of file.tensors) {
      const start = file.dataOffset + tensor.offset;
      const end = start + tensor.dims.reduce((a, b) => a * b, 1) * ELEMENT_BYTES[tensor.type];
      if (!guarded.buffer.subarray(start, end).equals(unguarded.buffer.subarray(start, end))) changed.add(tensor.name);
    }
    expect(guarded.buffer.subarray(0, file.dataOffset).equals(unguarded.buffer.subarray(0, file.dataOffset))).toBe(
      true,
    );
    expect([...changed].sort()).toEqual(
      [
        'token_embd.weight',
        'output.weight',
        'blk.0.attn_output.weight',
        'blk.0.ffn_down.weight',
        'blk.1.attn_output.weight',
        'blk.1.ffn_down.weight',
      ].sort(),
    );
  });

  it('rejects a seed that is not a 32-bit unsigned integer', () => {
    expect(() => buildModel({ preset: 'tiny', seed: -1 })).toThrow(/seed must be an integer/);
    expect(() => buildModel({ preset: 'tiny', seed: 1.5 })).toThrow(/seed must be an integer/);
  });
});
