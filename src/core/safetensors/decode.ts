import { endianness } from 'node:os';
import { SafetensorsError } from './errors';
import { DTYPE_BITS, type DType } from './types';

/**
 * Decoding of stored tensor bytes (little-endian, as safetensors stores them) into float arrays.
 * Typed-array views are used directly on little-endian hosts; 16-bit floats go through a
 * 65,536-entry table (F16) or a 16-bit shift into float32 bits (BF16); F8 kinds through
 * 256-entry tables built from their definitions.
 */

const LITTLE_ENDIAN = endianness() === 'LE';

/** Thrown for dtypes that are not real numbers (complex, packed sub-byte floats). */
function unsupported(dtype: DType, name: string, file: string): never {
  throw new SafetensorsError('UNSUPPORTED_DTYPE', `tensor ${JSON.stringify(name)} is ${dtype}, which LoRA Lens does not decode as real numbers`, file, name);
}

/**
 * Refuses what cannot be decoded before any view is made: a dtype that is not real numbers, or
 * fewer bytes than `count` elements take (a typed error rather than a RangeError or garbage).
 */
function checkDecodable(bytes: Uint8Array, dtype: DType, count: number, name: string, file: string): void {
  if (dtype === 'C64' || dtype === 'F4' || dtype === 'F6_E2M3' || dtype === 'F6_E3M2') unsupported(dtype, name, file);
  const width = DTYPE_BITS[dtype] / 8;
  if (!Number.isSafeInteger(count) || count < 0 || bytes.length < count * width) {
    throw new SafetensorsError(
      'SIZE_MISMATCH',
      `tensor ${JSON.stringify(name)}: ${count} ${dtype} elements take ${count * width} bytes but ${bytes.length} were given`,
      file,
      name,
    );
  }
}

/**
 * Decodes `count` elements of `dtype` from `bytes` into float64. Integer kinds become numbers
 * too; I64/U64 values beyond ±2^53 are rounded to the nearest float64 (integer tensors are
 * bookkeeping, never factors, so that loss is accepted).
 */
export function decodeFloat64(bytes: Uint8Array, dtype: DType, count: number, name = '', file = ''): Float64Array {
  checkDecodable(bytes, dtype, count, name, file);
  if (dtype === 'F64') return Float64Array.from(view(bytes, Float64Array, count, 8, (dv, i) => dv.getFloat64(i, true)));
  const out = new Float64Array(count);
  decodeInto(out, bytes, dtype, count, name, file);
  return out;
}

/** Decodes `count` elements of `dtype` from `bytes` into float32 (F64 values are rounded). */
export function decodeFloat32(bytes: Uint8Array, dtype: DType, count: number, name = '', file = ''): Float32Array {
  checkDecodable(bytes, dtype, count, name, file);
  if (dtype === 'F32') return Float32Array.from(view(bytes, Float32Array, count, 4, (dv, i) => dv.getFloat32(i, true)));
  const out = new Float32Array(count);
  decodeInto(out, bytes, dtype, count, name, file);
  return out;
}

/** Decodes `count` elements into the start of `out` (which must hold at least `count`). */
export function decodeInto(out: Float64Array | Float32Array, bytes: Uint8Array, dtype: DType, count: number, name: string, file: string): void {
  checkDecodable(bytes, dtype, count, name, file);
  if (out.length < count) throw new RangeError(`decodeInto: ${count} elements do not fit an array of ${out.length}`);
  switch (dtype) {
    case 'F32':
      out.set(view(bytes, Float32Array, count, 4, (dv, i) => dv.getFloat32(i, true)));
      return;
    case 'F64':
      out.set(view(bytes, Float64Array, count, 8, (dv, i) => dv.getFloat64(i, true)));
      return;
    case 'F16': {
      const table = f16Table();
      const src = view(bytes, Uint16Array, count, 2, (dv, i) => dv.getUint16(i, true));
      for (let i = 0; i < count; i++) out[i] = table[src[i]];
      return;
    }
    case 'BF16': {
      if (out instanceof Float32Array) {
        widenBF16(bytes, count, new Int32Array(out.buffer, out.byteOffset, count));
        return;
      }
      // Through a small reused scratch block, so no count-sized temporary is allocated.
      for (let base = 0; base < count; base += BF16_BLOCK) {
        const n = Math.min(BF16_BLOCK, count - base);
        widenBF16(bytes.subarray(2 * base, 2 * (base + n)), n, bf16Words);
        for (let i = 0; i < n; i++) out[base + i] = bf16Floats[i];
      }
      return;
    }
    case 'F8_E4M3':
    case 'F8_E5M2':
    case 'F8_E4M3FNUZ':
    case 'F8_E5M2FNUZ':
    case 'F8_E8M0': {
      const table = f8Table(dtype);
      for (let i = 0; i < count; i++) out[i] = table[bytes[i]];
      return;
    }
    case 'BOOL':
    case 'U8':
      for (let i = 0; i < count; i++) out[i] = bytes[i];
      return;
    case 'I8':
      out.set(new Int8Array(bytes.buffer, bytes.byteOffset, count));
      return;
    case 'I16':
      out.set(view(bytes, Int16Array, count, 2, (dv, i) => dv.getInt16(i, true)));
      return;
    case 'U16':
      out.set(view(bytes, Uint16Array, count, 2, (dv, i) => dv.getUint16(i, true)));
      return;
    case 'I32':
      out.set(view(bytes, Int32Array, count, 4, (dv, i) => dv.getInt32(i, true)));
      return;
    case 'U32':
      out.set(view(bytes, Uint32Array, count, 4, (dv, i) => dv.getUint32(i, true)));
      return;
    case 'I64':
    case 'U64': {
      // Values past 2^53 lose precision as numbers; integer tensors are never factors.
      const dv = new DataView(bytes.buffer, bytes.byteOffset, count * 8);
      for (let i = 0; i < count; i++) out[i] = Number(dtype === 'I64' ? dv.getBigInt64(i * 8, true) : dv.getBigUint64(i * 8, true));
      return;
    }
    case 'C64':
    case 'F4':
    case 'F6_E2M3':
    case 'F6_E3M2':
      unsupported(dtype, name, file);
  }
}

type TypedCtor<T> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; new (length: number): T };

/**
 * A typed view of little-endian data: zero-copy when the host is little-endian and the bytes
 * are aligned, else element by element through a DataView.
 */
function view<T extends { [i: number]: number }>(bytes: Uint8Array, ctor: TypedCtor<T>, count: number, width: number, read: (dv: DataView, offset: number) => number): T {
  if (LITTLE_ENDIAN && bytes.byteOffset % width === 0) return new ctor(bytes.buffer, bytes.byteOffset, count);
  if (LITTLE_ENDIAN) return new ctor(bytes.slice(0, count * width).buffer, 0, count);
  const out = new ctor(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, count * width);
  for (let i = 0; i < count; i++) out[i] = read(dv, i * width);
  return out;
}

const BF16_BLOCK = 4096;
const bf16Words = new Int32Array(BF16_BLOCK);
const bf16Floats = new Float32Array(bf16Words.buffer);

/** The bits of widenBF16's result that are set when a value was NaN or ±infinite. */
export const BF16_NON_FINITE = 0x40004000;

/**
 * BF16 is the top half of a float32: writes `words[i] = h_i << 16` for the `count` little-endian
 * 16-bit words in `bytes`, so that a Float32Array over `words`' buffer holds the values (exact,
 * NaN payloads and signs kept). Two values per 32-bit load when the host is little-endian and
 * the bytes are 2-aligned (about twice as fast as one 16-bit load each), else byte by byte.
 * Returns a mask that has a bit of BF16_NON_FINITE set iff some value has an all-ones exponent:
 * per value (h & 0x7f80) + 0x80 carries into bit 15 exactly then; in the paired loop the word
 * is shifted right by one first so that neither half's sum can reach the sign bit.
 */
export function widenBF16(bytes: Uint8Array, count: number, words: Int32Array): number {
  if (bytes.length < 2 * count || words.length < count) throw new RangeError(`widenBF16: ${count} values need ${2 * count} bytes and ${count} words`);
  let bad = 0;
  let i = 0;
  if (LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) {
    // A 2-aligned start: one value alone makes the rest 4-aligned.
    if (bytes.byteOffset % 4 === 2 && count > 0) bad |= widenOne(bytes, i++, words);
    const pairs = new Int32Array(bytes.buffer, bytes.byteOffset + 2 * i, (count - i) >> 1);
    const end = i + 4 * ((count - i) >> 2);
    for (let j = 0; i < end; j += 2, i += 4) {
      const w = pairs[j];
      const v = pairs[j + 1];
      bad |= (((w >> 1) & 0x3fc03fc0) + 0x00400040) | (((v >> 1) & 0x3fc03fc0) + 0x00400040);
      words[i] = w << 16;
      words[i + 1] = w & -65536;
      words[i + 2] = v << 16;
      words[i + 3] = v & -65536;
    }
  }
  for (; i < count; i++) bad |= widenOne(bytes, i, words);
  return bad;
}

/** One value of widenBF16, from its two bytes; returns its part of the mask. */
function widenOne(bytes: Uint8Array, k: number, words: Int32Array): number {
  const h = bytes[2 * k] | (bytes[2 * k + 1] << 8);
  words[k] = h << 16;
  return ((h & 0x7f80) + 0x80) << 15;
}

let f16: Float64Array | undefined;

/** IEEE 754 binary16 for all 65,536 bit patterns. */
export function f16Table(): Float64Array {
  if (f16) return f16;
  f16 = new Float64Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) f16[h] = sign * mantissa * 2 ** -24;
    else if (exponent === 31) f16[h] = mantissa === 0 ? sign * Infinity : NaN;
    else f16[h] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return f16;
}

const f8Tables = new Map<DType, Float64Array>();

/**
 * The 8-bit float kinds, from their definitions (OCP FP8 and the FNUZ variants):
 * - F8_E4M3 (E4M3FN): bias 7, no infinities, S.1111.111 is NaN;
 * - F8_E5M2: bias 15, IEEE-like with ±inf and NaNs at exponent 31;
 * - F8_E4M3FNUZ / F8_E5M2FNUZ: bias 8 / 16, no infinities or negative zero, 0x80 is the NaN;
 * - F8_E8M0: an unsigned power of two 2^(e−127) (MX block scales), 0xff is NaN.
 */
function f8Table(dtype: DType): Float64Array {
  const cached = f8Tables.get(dtype);
  if (cached) return cached;
  const table = new Float64Array(256);
  for (let b = 0; b < 256; b++) table[b] = f8Value(dtype, b);
  f8Tables.set(dtype, table);
  return table;
}

function f8Value(dtype: DType, b: number): number {
  if (dtype === 'F8_E8M0') return b === 0xff ? NaN : 2 ** (b - 127);
  const fnuz = dtype === 'F8_E4M3FNUZ' || dtype === 'F8_E5M2FNUZ';
  if (fnuz && b === 0x80) return NaN;
  const e4 = dtype === 'F8_E4M3' || dtype === 'F8_E4M3FNUZ';
  const mantissaBits = e4 ? 3 : 2;
  const bias = dtype === 'F8_E4M3' ? 7 : dtype === 'F8_E5M2' ? 15 : dtype === 'F8_E4M3FNUZ' ? 8 : 16;
  const sign = b & 0x80 ? -1 : 1;
  const exponent = (b & 0x7f) >> mantissaBits;
  const mantissa = b & ((1 << mantissaBits) - 1);
  const maxExponent = e4 ? 15 : 31;
  if (dtype === 'F8_E4M3' && exponent === maxExponent && mantissa === 7) return NaN;
  if (dtype === 'F8_E5M2' && exponent === maxExponent) return mantissa === 0 ? sign * Infinity : NaN;
  const scale = 2 ** mantissaBits;
  if (exponent === 0) return sign * (mantissa / scale) * 2 ** (1 - bias);
  return sign * (1 + mantissa / scale) * 2 ** (exponent - bias);
}
