import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { BF16_NON_FINITE, decodeFloat32, decodeFloat64, widenBF16 } from '../../../src/core/safetensors/decode';
import { decodeMatrix, decodeStored } from '../../../src/core/safetensors/decodeMatrix';
import { encodeBFloat16, encodeFloat32, encodeFloat64 } from '../../../src/core/safetensors/encode';
import { Rng } from '../../helpers/random';

/** bfloat16 from its definition: (−1)^s · 2^(e−127) · 1.m, subnormals 2^−126 · 0.m (7 mantissa bits). */
function bf16Value(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 7) & 0xff;
  const m = h & 0x7f;
  if (e === 255) return m ? NaN : s * Infinity;
  return e === 0 ? s * 2 ** -126 * (m / 128) : s * 2 ** (e - 127) * (1 + m / 128);
}

const isNaNBits = (h: number): boolean => (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;

/** Every pattern 0..65535 as little-endian bytes, starting `skew` bytes into a larger buffer. */
function allPatterns(skew: number): Uint8Array {
  const bytes = new Uint8Array(2 * 65536 + skew).subarray(skew);
  for (let h = 0; h < 65536; h++) {
    bytes[2 * h] = h & 0xff;
    bytes[2 * h + 1] = h >> 8;
  }
  return bytes;
}

function sameValue(got: number, want: number, what: string): void {
  assert.ok(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)), `${what}: ${got} ≠ ${want}`);
}

test('BF16 decoding: all 65,536 patterns, every path and byte alignment, equal their definition', () => {
  for (const skew of [0, 1, 2, 3]) {
    const bytes = allPatterns(skew);
    const f32 = decodeFloat32(bytes, 'BF16', 65536);
    const f64 = decodeFloat64(bytes, 'BF16', 65536);
    const stored = decodeStored(bytes, 'BF16', 65536, '', '', new Float32Array(65536));
    const rows = decodeMatrix(bytes, 'BF16', 256, 256, false);
    const cols = decodeMatrix(bytes, 'BF16', 256, 256, true);
    const words = new Int32Array(f32.buffer, f32.byteOffset, 65536);
    for (let h = 0; h < 65536; h++) {
      const want = bf16Value(h);
      const at = `0x${h.toString(16)} (skew ${skew})`;
      assert.equal(words[h], h << 16, `${at}: float32 bits, NaN payload and sign kept`);
      sameValue(f64[h], want, `${at} float64`);
      sameValue(stored.data[h], want, `${at} stored`);
      sameValue(rows.data[h], want, `${at} row-major`);
      sameValue(cols.data[(h & 255) * 256 + (h >> 8)], want, `${at} column-major`);
    }
    // 0x7f80/0xff80 are ±Inf; 0x7f81..0x7fff and 0xff81..0xffff are NaN: 2 × 127 NaNs.
    assert.equal(stored.nan, 254);
    assert.equal(stored.infinite, 2);
    assert.equal(rows.nan, 254);
    assert.equal(cols.infinite, 2);
  }
});

test('BF16 widening: the non-finite flag is set exactly when some value has an all-ones exponent, wherever it sits', () => {
  const rng = Rng.fresh();
  for (let h = 0; h < 65536; h++) {
    // Finite neighbours, the pattern at a drawn position of an odd or even run, at a drawn alignment.
    const count = rng.int(1, 11);
    const position = rng.int(0, count - 1);
    const skew = rng.int(0, 3);
    const bytes = new Uint8Array(2 * count + skew).subarray(skew);
    for (let i = 0; i < count; i++) {
      const v = i === position ? h : rng.int(0, 0xffff) & 0xbfff;
      bytes[2 * i] = v & 0xff;
      bytes[2 * i + 1] = v >> 8;
    }
    const words = new Int32Array(count);
    const flagged = (widenBF16(bytes, count, words) & BF16_NON_FINITE) !== 0;
    assert.equal(flagged, (h & 0x7f80) === 0x7f80, `0x${h.toString(16)} at ${position} of ${count}, skew ${skew} ${rng.tag}`);
    assert.equal(words[position], h << 16);
  }
});

/**
 * bfloat16 round to nearest even by exact float64 arithmetic (no bit tricks): scaling by powers
 * of two and floor are exact at these magnitudes.
 */
function bf16Reference(x: number): number {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | 0x7f80;
  if (a < 2 ** -126) return sign | roundHalfEven(a * 2 ** 133);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  if (e > 127) return sign | 0x7f80;
  let m = roundHalfEven((a / 2 ** e - 1) * 128);
  if (m === 128) {
    e++;
    m = 0;
  }
  return e > 127 ? sign | 0x7f80 : sign | ((e + 127) << 7) | m;
}

function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const rest = v - floor;
  return rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
}

/** Values that stress the rounding: ties, one float64 ulp either side, false float32 ties, range ends. */
function edgeValues(rng: Rng): number[] {
  const out = [0, -0, Infinity, -Infinity, NaN, 2 ** -126, -(2 ** -126), 2 ** -133, 2 ** -134, 3 * 2 ** -134, 5e-324, -5e-324, 2 ** -149, 2 ** -150];
  out.push(3.3895313892515355e38, 2 ** 128 - 2 ** 119, 2 ** 128 - 2 ** 119 - 2 ** 75, 3.4028234663852886e38, 2 ** 128, 1e308, Number.MAX_VALUE, -Number.MAX_VALUE);
  const up = (x: number): number => x + Math.abs(x) * 2 ** -52;
  const down = (x: number): number => x - Math.abs(x) * 2 ** -52;
  for (let k = 0; k < 4000; k++) {
    const h = rng.int(0, 0x7f7e) | (rng.next() < 0.5 ? 0x8000 : 0);
    const lo = bf16Value(h);
    const hi = bf16Value(h + 1);
    const mid = (lo + hi) / 2;
    // A value just off the midpoint that float32 rounds onto it (a false tie), either side.
    out.push(lo, mid, up(mid), down(mid), mid + (hi - lo) * 2 ** -30, mid - (hi - lo) * 2 ** -30);
  }
  return out;
}

/** Random float64 bit patterns: every exponent, subnormals, NaNs with payloads. */
function randomBits(rng: Rng, count: number): Float64Array {
  const out = new Float64Array(count);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < 2 * count; i++) words[i] = Math.floor(rng.next() * 2 ** 32);
  return out;
}

/** Values spread over the whole bfloat16 range, subnormals included. */
function spread(rng: Rng, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.gaussian() * 2 ** rng.int(-140, 130);
  return out;
}

function checkEncoding(values: ArrayLike<number>, got: Uint8Array, tag: string): void {
  assert.equal(got.length, 2 * values.length);
  for (let i = 0; i < values.length; i++) {
    const h = got[2 * i] | (got[2 * i + 1] << 8);
    const x = values[i];
    if (Number.isNaN(x)) assert.ok(isNaNBits(h) && (h & 0x40) !== 0, `NaN → 0x${h.toString(16)}, not a quiet NaN ${tag}`);
    else assert.equal(h, bf16Reference(x), `${x} (index ${i}) → 0x${h.toString(16)}, expected 0x${bf16Reference(x).toString(16)} ${tag}`);
  }
}

test('BF16 encoding rounds to nearest even exactly: edge values, ties, random bits and spread values', () => {
  const rng = Rng.fresh();
  const sets: [string, ArrayLike<number>][] = [
    ['edge', edgeValues(rng)],
    ['bits', randomBits(rng, 200_001)],
    ['spread', spread(rng, 200_000)],
  ];
  for (const [name, values] of sets) {
    checkEncoding(values, encodeBFloat16(values), `(${name}) ${rng.tag}`);
    // As a plain array, an odd-length subarray, and into a reused buffer that holds garbage.
    checkEncoding(Array.from(values).slice(0, 999), encodeBFloat16(Array.from(values).slice(0, 999)), `(${name}, array) ${rng.tag}`);
    const tail = Float64Array.from(values).subarray(3);
    const target = new Uint8Array(2 * values.length + 8).fill(0xa5);
    const written = encodeBFloat16(tail, target);
    assert.equal(written.buffer, target.buffer, 'the target was used');
    checkEncoding(tail, written, `(${name}, subarray into a target) ${rng.tag}`);
  }
});

test('every finite BF16 value encodes back to its own pattern', () => {
  const values: number[] = [];
  const patterns: number[] = [];
  for (let h = 0; h < 65536; h++) {
    if (isNaNBits(h)) continue;
    values.push(bf16Value(h));
    patterns.push(h);
  }
  const got = encodeBFloat16(values);
  for (let i = 0; i < patterns.length; i++) assert.equal(got[2 * i] | (got[2 * i + 1] << 8), patterns[i]);
});

test('F32 and F64 encoding equal DataView’s, into a target too', () => {
  const rng = Rng.fresh();
  const values = Float64Array.from([...spread(rng, 5000), ...randomBits(rng, 5000), ...edgeValues(rng).slice(0, 30)]);
  const want32 = new DataView(new ArrayBuffer(4 * values.length));
  const want64 = new DataView(new ArrayBuffer(8 * values.length));
  values.forEach((x, i) => {
    want32.setFloat32(4 * i, x, true);
    want64.setFloat64(8 * i, x, true);
  });
  const got32 = encodeFloat32(values, new Uint8Array(4 * values.length + 4));
  const got64 = encodeFloat64(values);
  const dv32 = new DataView(got32.buffer, got32.byteOffset, got32.length);
  const dv64 = new DataView(got64.buffer, got64.byteOffset, got64.length);
  for (let i = 0; i < values.length; i++) {
    sameValue(dv32.getFloat32(4 * i, true), want32.getFloat32(4 * i, true), `F32 ${values[i]} ${rng.tag}`);
    sameValue(dv64.getFloat64(8 * i, true), want64.getFloat64(8 * i, true), `F64 ${values[i]} ${rng.tag}`);
  }
});
