/**
 * Encoders from numbers to stored little-endian bytes, round to nearest even: used to write
 * adapters (resizing) and to build test fixtures of every float width.
 */

export function encodeFloat64(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) dv.setFloat64(i * 8, values[i], true);
  return out;
}

export function encodeFloat32(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i], true);
  return out;
}

/**
 * bfloat16: the top 16 bits of the float32, rounded to nearest even from the float64 value
 * itself. Rounding to float32 first can land exactly on a bfloat16 midpoint that the float64
 * value was not on; such a false tie is broken toward the float64 value. NaN stays NaN.
 */
export function encodeBFloat16(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const dv = new DataView(out.buffer);
  const f = new Float32Array(1);
  const bits = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    f[0] = x;
    const b = bits[0];
    let half: number;
    if (Number.isNaN(x)) half = (b >>> 16) | 0x40;
    else if ((b & 0xffff) === 0x8000 && f[0] !== x) half = (b >>> 16) + (Math.abs(x) > Math.abs(f[0]) ? 1 : 0);
    else half = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
    dv.setUint16(i * 2, half & 0xffff, true);
  }
  return out;
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
