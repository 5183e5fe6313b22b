import { endianness } from 'node:os';

/**
 * Encoders from numbers to stored little-endian bytes, round to nearest even: used to write
 * adapters (resizing) and to build test fixtures of every float width. `target`, when given and
 * large enough, receives the bytes and a view of it is returned: a writer that is done with
 * each chunk before the next (writeSafetensorsAtomic awaits every write) can reuse one buffer
 * instead of faulting in fresh pages for every tensor.
 */

const LITTLE_ENDIAN = endianness() === 'LE';

/** `bytes` bytes of `target` when it has room for them at an `align`ed offset, else a new array. */
function outputOf(bytes: number, align: number, target: Uint8Array | undefined): Uint8Array {
  return target && target.length >= bytes && target.byteOffset % align === 0 ? target.subarray(0, bytes) : new Uint8Array(bytes);
}

export function encodeFloat64(values: ArrayLike<number>, target?: Uint8Array): Uint8Array {
  const out = outputOf(values.length * 8, 8, target);
  if (LITTLE_ENDIAN) {
    new Float64Array(out.buffer, out.byteOffset, values.length).set(values);
    return out;
  }
  const dv = new DataView(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < values.length; i++) dv.setFloat64(i * 8, values[i], true);
  return out;
}

export function encodeFloat32(values: ArrayLike<number>, target?: Uint8Array): Uint8Array {
  const out = outputOf(values.length * 4, 4, target);
  if (LITTLE_ENDIAN) {
    // The typed array's conversion is IEEE round to nearest even, as DataView's.
    new Float32Array(out.buffer, out.byteOffset, values.length).set(values);
    return out;
  }
  const dv = new DataView(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i], true);
  return out;
}

/**
 * bfloat16, rounded to nearest even from the float64 value itself (bf16Bits), stored through a
 * 16-bit view where the host is little-endian: a DataView call per value and a fresh output per
 * tensor cost about as much again as the rounding.
 */
export function encodeBFloat16(values: ArrayLike<number>, target?: Uint8Array): Uint8Array {
  const n = values.length;
  const out = outputOf(2 * n, 2, target);
  if (LITTLE_ENDIAN) {
    const halves = new Uint16Array(out.buffer, out.byteOffset, n);
    for (let i = 0; i < n; i++) halves[i] = bf16Bits(values[i]);
    return out;
  }
  for (let i = 0; i < n; i++) {
    const h = bf16Bits(values[i]);
    out[2 * i] = h & 0xff;
    out[2 * i + 1] = h >>> 8;
  }
  return out;
}

const one = new Float32Array(1);
const oneBits = new Uint32Array(one.buffer);

/**
 * One value's bfloat16 bits: the top 16 bits of its float32, rounded to nearest even. Rounding to
 * float32 first can land exactly on a bfloat16 midpoint that the float64 value was not on; such
 * a false tie is broken toward the float64 value (float32's grid holds every bfloat16 midpoint,
 * so no other double rounding can happen). NaN stays NaN (quiet, sign kept).
 */
function bf16Bits(x: number): number {
  one[0] = x;
  const b = oneBits[0];
  if (Number.isNaN(x)) return ((b >>> 16) | 0x40) & 0xffff;
  if ((b & 0xffff) === 0x8000 && one[0] !== x) return (b >>> 16) + (Math.abs(x) > Math.abs(one[0]) ? 1 : 0);
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

/** IEEE binary16 (nearest even, overflow to ±inf, subnormals kept). */
export function encodeFloat16(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) dv.setUint16(i * 2, toHalfBits(values[i]), true);
  return out;
}

function toHalfBits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  // 65520 is halfway between the largest half (65504) and the next step: it and above overflow.
  if (a >= 65520) return sign | 0x7c00;
  // Subnormals are multiples of 2^-24; rounding up to 1024 of them gives the smallest normal,
  // whose bit pattern is exactly 1024.
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    e++;
    m = 0;
  }
  return e > 15 ? sign | 0x7c00 : sign | ((e + 15) << 10) | m;
}

/** Both steps are exact in float64 at these magnitudes (scaling by powers of two). */
function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const rest = v - floor;
  return rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
}
