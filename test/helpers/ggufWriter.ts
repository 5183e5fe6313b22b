import { decodeFloat64 } from '../../src/core/safetensors/decode';
import { encodeBFloat16, encodeFloat16, encodeFloat32, encodeFloat64 } from '../../src/core/safetensors/encode';
import { quantize, referenceValues, type QuantName } from './ggufQuants';

/**
 * A GGUF writer for tests that lays files out as gguf-py's `GGUFWriter` does
 * (gguf-py/gguf/gguf_writer.py): header (magic, version 3, tensor count u64, KV count u64), the
 * KV pairs in insertion order (key as gguf_string, value type u32, value; arrays as item type
 * u32, count u64, items), the tensor infos (name, n_dims u32, dims u64 reversed from the numpy
 * shape, ggml type u32, offset u64 counted from the data section, each tensor's bytes padded to
 * the alignment), zero padding to the alignment, then the tensors, each padded.
 */

export type KvValue =
  | { readonly type: 'UINT8' | 'INT8' | 'UINT16' | 'INT16' | 'UINT32' | 'INT32' | 'FLOAT32' | 'FLOAT64'; readonly value: number }
  | { readonly type: 'UINT64' | 'INT64'; readonly value: bigint }
  | { readonly type: 'BOOL'; readonly value: boolean }
  | { readonly type: 'STRING'; readonly value: string }
  | { readonly type: 'ARRAY'; readonly itemType: KvValue['type']; readonly items: readonly KvValue[] };

export type GgufTensorType = 'F32' | 'F16' | 'BF16' | 'F64' | QuantName;

export interface GgufTensorSpec {
  readonly name: string;
  /** numpy/torch shape, outermost first. */
  readonly shape: readonly number[];
  readonly type: GgufTensorType;
  readonly values: ArrayLike<number>;
  /** Overrides of what the tensor info says (to write invalid files): data offset, ggml type id, dims as ne. */
  readonly offset?: number | bigint;
  readonly typeId?: number;
  readonly ne?: readonly (number | bigint)[];
}

export const VALUE_TYPE_IDS: Readonly<Record<KvValue['type'], number>> = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
};

export const GGML_TYPE_IDS: Readonly<Record<GgufTensorType, number>> = { F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, F64: 28, BF16: 30 };

/** Appends little-endian fields to a growing byte list. */
export class ByteSink {
  private readonly parts: Uint8Array[] = [];
  length = 0;

  bytes(b: Uint8Array): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }

  private field(size: number, write: (dv: DataView) => void): this {
    const b = new Uint8Array(size);
    write(new DataView(b.buffer));
    return this.bytes(b);
  }

  u8 = (v: number): this => this.field(1, (dv) => dv.setUint8(0, v));
  u32 = (v: number): this => this.field(4, (dv) => dv.setUint32(0, v, true));
  u64 = (v: number | bigint): this => this.field(8, (dv) => dv.setBigUint64(0, BigInt(v), true));
  string = (s: string): this => {
    const b = new TextEncoder().encode(s);
    return this.u64(b.length).bytes(b);
  };
  pad = (alignment: number): this => this.bytes(new Uint8Array((alignment - (this.length % alignment)) % alignment));

  value(v: KvValue, withType = true): this {
    if (withType) this.u32(VALUE_TYPE_IDS[v.type]);
    switch (v.type) {
      case 'UINT8':
        return this.u8(v.value);
      case 'INT8':
        return this.field(1, (dv) => dv.setInt8(0, v.value));
      case 'UINT16':
        return this.field(2, (dv) => dv.setUint16(0, v.value, true));
      case 'INT16':
        return this.field(2, (dv) => dv.setInt16(0, v.value, true));
      case 'UINT32':
        return this.u32(v.value);
      case 'INT32':
        return this.field(4, (dv) => dv.setInt32(0, v.value, true));
      case 'FLOAT32':
        return this.field(4, (dv) => dv.setFloat32(0, v.value, true));
      case 'FLOAT64':
        return this.field(8, (dv) => dv.setFloat64(0, v.value, true));
      case 'UINT64':
        return this.u64(v.value);
      case 'INT64':
        return this.field(8, (dv) => dv.setBigInt64(0, v.value, true));
      case 'BOOL':
        return this.u8(v.value ? 1 : 0);
      case 'STRING':
        return this.string(v.value);
      case 'ARRAY':
        this.u32(VALUE_TYPE_IDS[v.itemType]).u64(v.items.length);
        for (const item of v.items) this.value(item, false);
        return this;
    }
  }

  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** The stored bytes of a tensor of this type (block types quantized as gguf-py's quants.py does). */
export function tensorBytes(spec: GgufTensorSpec): Uint8Array {
  switch (spec.type) {
    case 'F32':
      return encodeFloat32(spec.values);
    case 'F16':
      return encodeFloat16(spec.values);
    case 'BF16':
      return encodeBFloat16(spec.values);
    case 'F64':
      return encodeFloat64(spec.values);
    default:
      return quantize(spec.type, spec.values);
  }
}

/** What a tensor should read back as: float types by their own rounding, block types by the reference dequantizer. */
export function storedValues(spec: GgufTensorSpec): Float64Array {
  const count = spec.values.length;
  switch (spec.type) {
    case 'F64':
      return Float64Array.from(spec.values);
    case 'F32':
      return Float64Array.from(spec.values, Math.fround);
    case 'F16':
    case 'BF16':
      return decodeFloat64(tensorBytes(spec), spec.type, count);
    default:
      return referenceValues(spec.type, tensorBytes(spec), count);
  }
}

export interface GgufFileSpec {
  readonly kv: readonly (readonly [string, KvValue])[];
  readonly tensors: readonly GgufTensorSpec[];
  /** Written as `general.alignment` (UINT32) when not the default 32, as add_custom_alignment does. */
  readonly alignment?: number;
  readonly version?: number;
}

/** The bytes of a GGUF file in GGUFWriter's layout. */
export function ggufBytes(spec: GgufFileSpec): Uint8Array {
  const alignment = spec.alignment ?? 32;
  const kv = alignment === 32 ? spec.kv : [...spec.kv, ['general.alignment', { type: 'UINT32', value: alignment }] as const];
  const data = spec.tensors.map(tensorBytes);
  const out = new ByteSink();
  out
    .u32(0x46554747)
    .u32(spec.version ?? 3)
    .u64(spec.tensors.length)
    .u64(kv.length);
  for (const [key, value] of kv) out.string(key).value(value);
  let offset = 0;
  spec.tensors.forEach((t, i) => {
    const ne = t.ne ?? [...t.shape].reverse();
    out.string(t.name).u32(ne.length);
    for (const n of ne) out.u64(n);
    out.u32(t.typeId ?? GGML_TYPE_IDS[t.type]).u64(t.offset ?? offset);
    offset += Math.ceil(data[i].length / alignment) * alignment;
  });
  out.pad(alignment);
  for (const bytes of data) out.bytes(bytes).pad(alignment);
  return out.concat();
}

/** The KV pairs convert_lora_to_gguf.py writes, in its order (architecture, type, adapter type, alpha). */
export function loraKv(architecture: string, alpha: number): [string, KvValue][] {
  return [
    ['general.architecture', { type: 'STRING', value: architecture }],
    ['general.type', { type: 'STRING', value: 'adapter' }],
    ['adapter.type', { type: 'STRING', value: 'lora' }],
    ['general.name', { type: 'STRING', value: 'Test Adapter' }],
    ['adapter.lora.alpha', { type: 'FLOAT32', value: alpha }],
    ['general.quantization_version', { type: 'UINT32', value: 2 }],
  ];
}
