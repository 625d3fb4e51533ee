// A minimal GGUF v3 writer (little-endian): metadata key/values, tensor infos, aligned tensor data.
// Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md

export const GGUF_MAGIC = 'GGUF';
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value types. */
export const GGUF_VALUE_TYPE = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

/** ggml tensor types this writer can encode. */
export const GGML_TYPE = { f32: 0, f16: 1 } as const;
export type GgmlTypeName = keyof typeof GGML_TYPE;

const BYTES_PER_ELEMENT: Record<GgmlTypeName, number> = { f32: 4, f16: 2 };

export type GgufMetadataValue =
  | { type: 'uint32'; value: number }
  | { type: 'int32'; value: number }
  | { type: 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'float32[]'; value: ArrayLike<number> }
  | { type: 'int32[]'; value: ArrayLike<number> };

export interface GgufMetadataEntry {
  key: string;
  value: GgufMetadataValue;
}

export interface GgufTensorInfo {
  name: string;
  /** Dimensions in ggml `ne` order: ne[0] is the fastest-moving (contiguous) one. */
  dims: readonly number[];
  type: GgmlTypeName;
}

export interface GgufTensorLayout extends GgufTensorInfo {
  elements: number;
  /** Offset of the tensor's data from the start of the data section (a multiple of the alignment). */
  offset: number;
  /** Size of the data without padding. */
  nbytes: number;
}

export interface GgufLayout {
  /** Bytes of header, metadata and tensor infos, before the padding that aligns the data section. */
  headerBytes: number;
  /** File offset of the data section. */
  dataOffset: number;
  tensors: GgufTensorLayout[];
  totalBytes: number;
}

export function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/** Appends little-endian values to a growing buffer. */
class ByteWriter {
  private buffer = Buffer.alloc(64 * 1024);
  private length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const next = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  u8(value: number): void {
    this.reserve(1);
    this.buffer.writeUInt8(value, this.length);
    this.length += 1;
  }

  u32(value: number): void {
    this.reserve(4);
    this.buffer.writeUInt32LE(value, this.length);
    this.length += 4;
  }

  i32(value: number): void {
    this.reserve(4);
    this.buffer.writeInt32LE(value, this.length);
    this.length += 4;
  }

  u64(value: number): void {
    this.reserve(8);
    this.buffer.writeBigUInt64LE(BigInt(value), this.length);
    this.length += 8;
  }

  f32(value: number): void {
    this.reserve(4);
    this.buffer.writeFloatLE(value, this.length);
    this.length += 4;
  }

  /** A GGUF string: uint64 byte length, then UTF-8 bytes without a terminator. */
  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.reserve(bytes.length);
    bytes.copy(this.buffer, this.length);
    this.length += bytes.length;
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function writeValue(out: ByteWriter, value: GgufMetadataValue): void {
  const t = GGUF_VALUE_TYPE;
  switch (value.type) {
    case 'uint32':
      out.u32(t.uint32);
      out.u32(value.value);
      return;
    case 'int32':
      out.u32(t.int32);
      out.i32(value.value);
      return;
    case 'float32':
      out.u32(t.float32);
      out.f32(value.value);
      return;
    case 'bool':
      out.u32(t.bool);
      out.u8(value.value ? 1 : 0);
      return;
    case 'string':
      out.u32(t.string);
      out.string(value.value);
      return;
    case 'string[]':
      out.u32(t.array);
      out.u32(t.string);
      out.u64(value.value.length);
      for (const item of value.value) out.string(item);
      return;
    case 'float32[]':
      out.u32(t.array);
      out.u32(t.float32);
      out.u64(value.value.length);
      for (let i = 0; i < value.value.length; i++) out.f32(value.value[i]);
      return;
    case 'int32[]':
      out.u32(t.array);
      out.u32(t.int32);
      out.u64(value.value.length);
      for (let i = 0; i < value.value.length; i++) out.i32(value.value[i]);
      return;
  }
}

function encodeHeader(metadata: readonly GgufMetadataEntry[], tensors: readonly GgufTensorLayout[]): Buffer {
  const out = new ByteWriter();
  for (const char of GGUF_MAGIC) out.u8(char.charCodeAt(0));
  out.u32(GGUF_VERSION);
  out.u64(tensors.length);
  out.u64(metadata.length);
  for (const entry of metadata) {
    out.string(entry.key);
    writeValue(out, entry.value);
  }
  for (const tensor of tensors) {
    out.string(tensor.name);
    out.u32(tensor.dims.length);
    for (const dim of tensor.dims) out.u64(dim);
    out.u32(GGML_TYPE[tensor.type]);
    out.u64(tensor.offset);
  }
  return out.bytes();
}

function alignmentOf(metadata: readonly GgufMetadataEntry[]): number {
  const entry = metadata.find((item) => item.key === 'general.alignment');
  if (!entry) return GGUF_DEFAULT_ALIGNMENT;
  if (entry.value.type !== 'uint32' || entry.value.value <= 0 || entry.value.value % 8 !== 0) {
    throw new Error('general.alignment must be a uint32 multiple of 8');
  }
  return entry.value.value;
}

function layoutTensors(tensors: readonly GgufTensorInfo[], alignment: number): GgufTensorLayout[] {
  const names = new Set<string>();
  let offset = 0;
  return tensors.map((tensor) => {
    if (names.has(tensor.name)) throw new Error(`duplicate tensor name ${tensor.name}`);
    names.add(tensor.name);
    if (tensor.dims.length < 1 || tensor.dims.length > 4 || tensor.dims.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new Error(`tensor ${tensor.name} has invalid dims [${tensor.dims.join(', ')}]`);
    }
    const elements = tensor.dims.reduce((product, dim) => product * dim, 1);
    const nbytes = elements * BYTES_PER_ELEMENT[tensor.type];
    const layout: GgufTensorLayout = { ...tensor, dims: [...tensor.dims], elements, offset, nbytes };
    offset += alignUp(nbytes, alignment);
    return layout;
  });
}

/** Where everything goes in the file, without writing any tensor data. */
export function planGguf(metadata: readonly GgufMetadataEntry[], tensors: readonly GgufTensorInfo[]): GgufLayout {
  const alignment = alignmentOf(metadata);
  const layouts = layoutTensors(tensors, alignment);
  const headerBytes = encodeHeader(metadata, layouts).length;
  const dataOffset = alignUp(headerBytes, alignment);
  const last = layouts[layouts.length - 1];
  const dataBytes = last ? last.offset + alignUp(last.nbytes, alignment) : 0;
  return { headerBytes, dataOffset, tensors: layouts, totalBytes: dataOffset + dataBytes };
}

// Shared views for the float32 -> float16 bit conversion.
const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/**
 * IEEE 754 binary16 bits of a number, rounded to nearest, ties to even (the same result as
 * `Math.f16round`), with subnormals, overflow to infinity and NaN handled.
 */
export function float32ToFloat16Bits(value: number): number {
  f32Scratch[0] = value;
  const bits = u32Scratch[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal half (or zero): shift the 24-bit significand into the 10 mantissa bits.
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    let half = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // A carry out of the mantissa bumps the exponent, which is the correct rounding (up to infinity).
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half += 1;
  return sign | half;
}

export interface GgufInput {
  metadata: readonly GgufMetadataEntry[];
  tensors: readonly GgufTensorInfo[];
  /**
   * Returns the values of tensor `index` (in ggml `ne` order, `elements` long). Called once per
   * tensor, in order, so the caller's random stream is consumed deterministically.
   */
  data: (tensor: GgufTensorLayout, index: number) => Float32Array;
}

/** Encodes a whole GGUF file into one buffer; padding bytes are zero. */
export function encodeGguf(input: GgufInput): { buffer: Buffer; layout: GgufLayout } {
  const layout = planGguf(input.metadata, input.tensors);
  const buffer = Buffer.alloc(layout.totalBytes);
  encodeHeader(input.metadata, layout.tensors).copy(buffer, 0);
  layout.tensors.forEach((tensor, index) => {
    const values = input.data(tensor, index);
    if (values.length !== tensor.elements) {
      throw new Error(`tensor ${tensor.name}: expected ${tensor.elements} values, got ${values.length}`);
    }
    const start = layout.dataOffset + tensor.offset;
    if (tensor.type === 'f32') {
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      if (isLittleEndian()) buffer.set(bytes, start);
      else for (let i = 0; i < values.length; i++) buffer.writeFloatLE(values[i], start + i * 4);
    } else if (isLittleEndian() && (buffer.byteOffset + start) % 2 === 0) {
      const halves = new Uint16Array(buffer.buffer, buffer.byteOffset + start, values.length);
      for (let i = 0; i < values.length; i++) halves[i] = float32ToFloat16Bits(values[i]);
    } else {
      for (let i = 0; i < values.length; i++) buffer.writeUInt16LE(float32ToFloat16Bits(values[i]), start + i * 2);
    }
  });
  return { buffer, layout };
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
