import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { decodeFloat32, decodeFloat64 } from '../../../src/core/safetensors/decode';
import { encodeBFloat16, encodeFloat16, encodeFloat32, encodeFloat64 } from '../../../src/core/safetensors/encode';
import { SafetensorsError } from '../../../src/core/safetensors/errors';
import type { DType } from '../../../src/core/safetensors/types';
import { Rng } from '../../helpers/random';

/** Every 16-bit pattern, little-endian, in order. */
const ALL_16 = new Uint8Array(Uint16Array.from({ length: 65536 }, (_, i) => i).buffer);
const ALL_8 = Uint8Array.from({ length: 256 }, (_, i) => i);
const sameValue = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/** The same bytes starting at an odd address, so no typed view of them can be made in place. */
function misaligned(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes, 1);
  return out.subarray(1);
}

test('every 16-bit float decodes to float32 exactly as to float64 (both widths hold F16 and BF16 exactly)', () => {
  for (const dtype of ['F16', 'BF16'] as const) {
    const wide = decodeFloat64(ALL_16, dtype, 65536);
    const narrow = decodeFloat32(ALL_16, dtype, 65536);
    for (let h = 0; h < 65536; h++) assert.ok(sameValue(narrow[h], wide[h]), `${dtype} 0x${h.toString(16)}`);
  }
  for (const dtype of ['F8_E4M3', 'F8_E5M2', 'F8_E4M3FNUZ', 'F8_E5M2FNUZ', 'F8_E8M0'] as const) {
    const wide = decodeFloat64(ALL_8, dtype, 256);
    const narrow = decodeFloat32(ALL_8, dtype, 256);
    for (let b = 0; b < 256; b++) assert.ok(sameValue(narrow[b], wide[b]), `${dtype} 0x${b.toString(16)}`);
  }
});

test('bytes at an odd address decode the same as aligned bytes, and results never alias the input', () => {
  const rng = Rng.fresh();
  const values = Float64Array.from({ length: 257 }, () => rng.gaussian() * 100);
  const cases: [DType, Uint8Array][] = [
    ['F64', encodeFloat64(values)],
    ['F32', encodeFloat32(values)],
    ['F16', encodeFloat16(values)],
    ['BF16', encodeBFloat16(values)],
    ['I16', new Uint8Array(Int16Array.from(values, Math.round).buffer)],
    ['I32', new Uint8Array(Int32Array.from(values, Math.round).buffer)],
    ['U32', new Uint8Array(Uint32Array.from(values, (x) => Math.abs(Math.round(x))).buffer)],
    ['I64', new Uint8Array(BigInt64Array.from(values, (x) => BigInt(Math.round(x))).buffer)],
  ];
  for (const [dtype, bytes] of cases) {
    const aligned = decodeFloat64(bytes, dtype, values.length);
    assert.deepEqual(decodeFloat64(misaligned(bytes), dtype, values.length), aligned, `${dtype} ${rng.tag}`);
    assert.deepEqual(decodeFloat32(misaligned(bytes), dtype, values.length), decodeFloat32(bytes, dtype, values.length), `${dtype} ${rng.tag}`);
    const copy = bytes.slice();
    const decoded = decodeFloat64(copy, dtype, values.length);
    const decoded32 = decodeFloat32(copy, dtype, values.length);
    copy.fill(0);
    assert.deepEqual(decoded, aligned, `${dtype}: float64 result is a copy ${rng.tag}`);
    assert.deepEqual(decoded32, decodeFloat32(bytes, dtype, values.length), `${dtype}: float32 result is a copy ${rng.tag}`);
  }
});

test('integer kinds decode as numbers; 64-bit values past 2^53 round to the nearest float64', () => {
  const u64 = new Uint8Array(BigUint64Array.from([0n, 2n ** 53n + 1n, 2n ** 64n - 1n]).buffer);
  assert.deepEqual(Array.from(decodeFloat64(u64, 'U64', 3)), [0, 2 ** 53, 2 ** 64]);
  const i64 = new Uint8Array(BigInt64Array.from([-(2n ** 63n), -1n, 2n ** 63n - 1n]).buffer);
  assert.deepEqual(Array.from(decodeFloat64(i64, 'I64', 3)), [-(2 ** 63), -1, 2 ** 63]);
  const bytes = new Uint8Array([0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe]);
  assert.deepEqual(Array.from(decodeFloat64(bytes, 'U8', 6)), [0, 1, 127, 128, 255, 254]);
  assert.deepEqual(Array.from(decodeFloat64(bytes, 'BOOL', 2)), [0, 1]);
  assert.deepEqual(Array.from(decodeFloat64(bytes, 'I8', 6)), [0, 1, 127, -128, -1, -2]);
  assert.deepEqual(Array.from(decodeFloat64(bytes, 'I16', 3)), [0x0100, 0x807f - 0x10000, 0xfeff - 0x10000]);
  assert.deepEqual(Array.from(decodeFloat64(bytes, 'U16', 3)), [0x0100, 0x807f, 0xfeff]);
  assert.deepEqual(Array.from(decodeFloat64(bytes.subarray(0, 4), 'I32', 1)), [0x807f0100 - 2 ** 32]);
  assert.deepEqual(Array.from(decodeFloat64(bytes.subarray(0, 4), 'U32', 1)), [0x807f0100]);
});

test('fewer bytes than the elements need is a SIZE_MISMATCH, never a RangeError or garbage', () => {
  for (const [dtype, count, length] of [
    ['F32', 3, 11],
    ['F16', 2, 3],
    ['F64', 1, 0],
    ['F8_E4M3', 5, 4],
    ['I64', 1, 7],
  ] as const) {
    for (const decode of [decodeFloat64, decodeFloat32]) {
      assert.throws(
        () => decode(new Uint8Array(length), dtype, count, 'w', 'f.safetensors'),
        (e: unknown) => e instanceof SafetensorsError && e.code === 'SIZE_MISMATCH' && e.tensor === 'w' && e.file === 'f.safetensors',
      );
    }
  }
  assert.throws(
    () => decodeFloat64(new Uint8Array(8), 'F32', -1),
    (e: unknown) => e instanceof SafetensorsError && e.code === 'SIZE_MISMATCH',
  );
});

test('F16 and BF16 encoders reproduce every non-NaN bit pattern, and keep NaN a NaN', () => {
  for (const [dtype, encode] of [
    ['F16', encodeFloat16],
    ['BF16', encodeBFloat16],
  ] as const) {
    const values = decodeFloat64(ALL_16, dtype, 65536);
    const back = new Uint16Array(encode(values).buffer);
    for (let h = 0; h < 65536; h++) {
      if (Number.isNaN(values[h])) assert.ok(Number.isNaN(decodeFloat64(encode([values[h]]), dtype, 1)[0]), `${dtype} NaN 0x${h.toString(16)}`);
      else assert.equal(back[h], h, `${dtype} 0x${h.toString(16)} = ${values[h]}`);
    }
  }
});

test('BF16 rounds from the float64 value: a float32 rounding that lands on a midpoint is not a tie', () => {
  const ulp = 2 ** -7;
  const cases: [number, number][] = [
    [1 + ulp / 2 + 2 ** -30, 1 + ulp],
    [1 + ulp / 2 - 2 ** -30, 1],
    [1 + ulp / 2, 1],
    [1 + (3 * ulp) / 2, 1 + 2 * ulp],
    [-(1 + ulp / 2 + 2 ** -30), -(1 + ulp)],
    [(2 - 2 ** -8) * 2 ** 127, Infinity],
    [(2 - 2 ** -8 - 2 ** -20) * 2 ** 127, (2 - 2 ** -7) * 2 ** 127],
    [-0, -0],
  ];
  const got = decodeFloat64(encodeBFloat16(cases.map(([x]) => x)), 'BF16', cases.length);
  cases.forEach(([x, want], i) => assert.ok(Object.is(got[i], want), `${x} → ${got[i]}, expected ${want}`));
  const half = decodeFloat64(encodeFloat16([1 + 2 ** -11 + 2 ** -40, 65519.99, 2 ** -25 + 2 ** -60, -(2 ** -26)]), 'F16', 4);
  assert.deepEqual(Array.from(half), [1 + 2 ** -10, 65504, 2 ** -24, -0]);
});
