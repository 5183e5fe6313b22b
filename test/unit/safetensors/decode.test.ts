import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { decodeFloat32, decodeFloat64 } from '../../../src/core/safetensors/decode';
import { encodeBFloat16, encodeFloat16, encodeFloat32, encodeFloat64 } from '../../../src/core/safetensors/encode';
import { SafetensorsError } from '../../../src/core/safetensors/errors';
import type { DType } from '../../../src/core/safetensors/types';
import { Rng } from '../../helpers/random';

const allPatterns = (count: number, width: 1 | 2): Uint8Array => {
  const out = new Uint8Array(count * width);
  for (let i = 0; i < count; i++) {
    out[i * width] = i & 0xff;
    if (width === 2) out[i * width + 1] = i >> 8;
  }
  return out;
};

/** binary16 from its definition: (−1)^s · 2^(e−15) · 1.m, subnormals 2^−14 · 0.m. */
function halfReference(h: number): number {
  const s = h >> 15 ? -1 : 1;
  const e = (h >> 10) & 31;
  const m = h & 1023;
  if (e === 31) return m ? NaN : s * Infinity;
  return e === 0 ? s * Math.pow(2, -14) * (m / 1024) : s * Math.pow(2, e - 15) * (1 + m / 1024);
}

test('F16: all 65,536 bit patterns decode to their binary16 values', () => {
  const got = decodeFloat64(allPatterns(65536, 2), 'F16', 65536);
  for (let h = 0; h < 65536; h++) assert.ok(Object.is(got[h], halfReference(h)) || (Number.isNaN(got[h]) && Number.isNaN(halfReference(h))), `0x${h.toString(16)}: ${got[h]}`);
});

test('BF16: every pattern is the top half of the float32 with the same bits', () => {
  const got = decodeFloat32(allPatterns(65536, 2), 'BF16', 65536);
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  for (let h = 0; h < 65536; h++) {
    bits[0] = h << 16;
    assert.ok(Object.is(got[h], asFloat[0]) || (Number.isNaN(got[h]) && Number.isNaN(asFloat[0])), `0x${h.toString(16)}`);
  }
});

/** The 8-bit kinds from their definitions (OCP FP8 E4M3/E5M2, the FNUZ variants, E8M0). */
function f8Reference(dtype: DType, b: number): number {
  const s = b & 0x80 ? -1 : 1;
  switch (dtype) {
    case 'F8_E4M3': {
      const e = (b >> 3) & 15;
      const m = b & 7;
      if (e === 15 && m === 7) return NaN;
      return e === 0 ? s * (m / 8) * 2 ** -6 : s * (1 + m / 8) * 2 ** (e - 7);
    }
    case 'F8_E5M2': {
      const e = (b >> 2) & 31;
      const m = b & 3;
      if (e === 31) return m === 0 ? s * Infinity : NaN;
      return e === 0 ? s * (m / 4) * 2 ** -14 : s * (1 + m / 4) * 2 ** (e - 15);
    }
    case 'F8_E4M3FNUZ': {
      if (b === 0x80) return NaN;
      const e = (b >> 3) & 15;
      const m = b & 7;
      return e === 0 ? s * (m / 8) * 2 ** -7 : s * (1 + m / 8) * 2 ** (e - 8);
    }
    case 'F8_E5M2FNUZ': {
      if (b === 0x80) return NaN;
      const e = (b >> 2) & 31;
      const m = b & 3;
      return e === 0 ? s * (m / 4) * 2 ** -15 : s * (1 + m / 4) * 2 ** (e - 16);
    }
    default:
      return b === 255 ? NaN : 2 ** (b - 127);
  }
}

test('F8 kinds: all 256 patterns of each against the format definitions, with the known extremes', () => {
  for (const dtype of ['F8_E4M3', 'F8_E5M2', 'F8_E4M3FNUZ', 'F8_E5M2FNUZ', 'F8_E8M0'] as const) {
    const got = decodeFloat64(allPatterns(256, 1), dtype, 256);
    for (let b = 0; b < 256; b++) {
      const want = f8Reference(dtype, b);
      assert.ok(Object.is(got[b], want) || (Number.isNaN(got[b]) && Number.isNaN(want)), `${dtype} 0x${b.toString(16)}: ${got[b]} vs ${want}`);
    }
  }
  const max = (dtype: DType) => Math.max(...decodeFloat64(allPatterns(256, 1), dtype, 256).filter(Number.isFinite));
  assert.equal(max('F8_E4M3'), 448);
  assert.equal(max('F8_E5M2'), 57344);
  assert.equal(max('F8_E4M3FNUZ'), 240);
  assert.equal(max('F8_E5M2FNUZ'), 57344);
});

test('encoders round-trip through the decoders (nearest-even rounding for narrow floats)', () => {
  const rng = Rng.fresh();
  const values = Float64Array.from({ length: 2000 }, () => rng.gaussian() * 10 ** rng.int(-8, 4));
  assert.deepEqual(decodeFloat64(encodeFloat64(values), 'F64', values.length), values);
  assert.deepEqual(decodeFloat64(encodeFloat32(values), 'F32', values.length), Float64Array.from(values, Math.fround));
  const half = decodeFloat64(encodeFloat16(values), 'F16', values.length);
  const bf = decodeFloat64(encodeBFloat16(values), 'BF16', values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    // Nearest representable: no other binary16 / bfloat16 value is strictly closer.
    if (Math.abs(x) < 65504) assert.ok(Math.abs(half[i] - x) <= Math.max(Math.abs(x) * 2 ** -11, 2 ** -25) * (1 + 1e-12), `F16 ${x} → ${half[i]} ${rng.tag}`);
    assert.ok(Math.abs(bf[i] - x) <= Math.abs(x) * 2 ** -8 * (1 + 1e-12), `BF16 ${x} → ${bf[i]} ${rng.tag}`);
  }
  // Exact ties round to even.
  assert.deepEqual(Array.from(decodeFloat64(encodeFloat16([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520, 2 ** -25]), 'F16', 4)), [1, 1 + 2 ** -9, Infinity, 0]);
});

test('integer dtypes decode as numbers; complex and packed sub-byte floats are refused by name', () => {
  const bytes = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual(Array.from(decodeFloat64(bytes, 'I64', 1)), [-1]);
  assert.deepEqual(Array.from(decodeFloat64(bytes, 'I16', 4)), [-1, -1, -1, -1]);
  assert.deepEqual(Array.from(decodeFloat64(bytes.subarray(1, 3), 'U16', 1)), [65535]);
  for (const dtype of ['C64', 'F4', 'F6_E2M3'] as const) {
    assert.throws(
      () => decodeFloat64(bytes, dtype, 1, 'w', 'f'),
      (e: unknown) => e instanceof SafetensorsError && e.code === 'UNSUPPORTED_DTYPE' && e.message.includes(dtype),
    );
  }
});
