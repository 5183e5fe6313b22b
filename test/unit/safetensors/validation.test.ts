import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { SafetensorsError } from '../../../src/core/safetensors/errors';
import { MAX_HEADER_LENGTH } from '../../../src/core/safetensors/header';
import { codeOf, parseBytes, rawFile } from '../../helpers/rawSafetensors';

/** The malformed and accepted cases of the reference implementation's own tests, and more. */

const entry = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });
const header = (entries: Record<string, unknown>) => JSON.stringify(entries);

const REJECTED: readonly [string, Uint8Array, string][] = [
  ['empty file', new Uint8Array(0), 'FILE_TOO_SMALL'],
  ['fewer than 8 bytes', new Uint8Array([1, 0, 0]), 'FILE_TOO_SMALL'],
  ['header length past the end', rawFile('{}', 0, 1000n), 'HEADER_PAST_END'],
  ['header length over 100 MB', rawFile('{}', 0, BigInt(MAX_HEADER_LENGTH) + 1n), 'HEADER_TOO_LARGE'],
  ['header length near 2^64 (no wrap-around)', rawFile('{}', 0, 0xfffffffffffffff8n), 'HEADER_TOO_LARGE'],
  [
    'non-UTF-8 header',
    (() => {
      const f = rawFile('{"a":1}', 0);
      f[9] = 0xff;
      return f;
    })(),
    'HEADER_NOT_UTF8',
  ],
  ['not JSON', rawFile('{"a": [1, 2', 0), 'HEADER_NOT_JSON'],
  ['JSON but not an object', rawFile('[1, 2]', 0), 'HEADER_NOT_OBJECT'],
  ['trailing commas are not JSON', rawFile('{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},}', 4), 'HEADER_NOT_JSON'],
  ['duplicate tensor name', rawFile('{"x": {"dtype":"F32","shape":[1],"data_offsets":[0,4]}, "x": {"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8), 'DUPLICATE_KEY'],
  ['duplicate field inside an entry', rawFile('{"x": {"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}', 4), 'DUPLICATE_KEY'],
  ['trailing bytes', rawFile(header({ x: entry('F32', [2], 0, 8) }), 9), 'TRAILING_BYTES'],
  ['missing bytes', rawFile(header({ x: entry('F32', [2], 0, 8) }), 7), 'MISSING_BYTES'],
  ['size does not match shape', rawFile(header({ x: entry('F32', [3], 0, 8) }), 8), 'SIZE_MISMATCH'],
  ['shape overflow', rawFile(header({ x: entry('F32', [2 ** 40, 2 ** 40], 0, 8) }), 8), 'SHAPE_OVERFLOW'],
  ['overlapping offsets', rawFile(header({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 4, 12) }), 12), 'NOT_CONTIGUOUS'],
  ['gap between tensors', rawFile(header({ a: entry('F32', [1], 0, 4), b: entry('F32', [1], 8, 12) }), 12), 'NOT_CONTIGUOUS'],
  ['data not starting at 0', rawFile(header({ a: entry('F32', [1], 4, 8) }), 8), 'NOT_CONTIGUOUS'],
  ['misaligned sub-byte tensor', rawFile(header({ a: entry('F4', [3], 0, 1) }), 1), 'MISALIGNED'],
  ['misaligned 6-bit tensor', rawFile(header({ a: entry('F6_E2M3', [3], 0, 2) }), 2), 'MISALIGNED'],
  ['unknown dtype', rawFile(header({ a: entry('F17', [1], 0, 4) }), 4), 'UNKNOWN_DTYPE'],
  ['negative dimension', rawFile(header({ a: entry('F32', [-1], 0, 4) }), 4), 'INVALID_SHAPE'],
  ['fractional dimension', rawFile(header({ a: entry('F32', [1.5], 0, 4) }), 4), 'INVALID_SHAPE'],
  ['offsets backwards', rawFile(header({ a: entry('F32', [0], 4, 0) }), 4), 'INVALID_OFFSETS'],
  ['offsets of three numbers', rawFile('{"a": {"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}', 4), 'INVALID_OFFSETS'],
  ['entry missing its shape', rawFile('{"a": {"dtype":"F32","data_offsets":[0,4]}}', 4), 'INVALID_ENTRY'],
  ['entry that is not an object', rawFile('{"a": 3}', 0), 'INVALID_ENTRY'],
  ['metadata with a number value', rawFile('{"__metadata__": {"format": 1}}', 0), 'INVALID_METADATA'],
  ['metadata that is an array', rawFile('{"__metadata__": ["pt"]}', 0), 'INVALID_METADATA'],
  ['metadata that is a string', rawFile('{"__metadata__": "pt"}', 0), 'INVALID_METADATA'],
  ['metadata with an object value', rawFile('{"__metadata__": {"args": {"lr": "1e-4"}}}', 0), 'INVALID_METADATA'],
  ['metadata with a null value', rawFile('{"__metadata__": {"note": null}}', 0), 'INVALID_METADATA'],
  ['duplicate metadata key', rawFile('{"__metadata__": {"format": "pt", "format": "np"}}', 0), 'DUPLICATE_KEY'],
  ['dtype in lower case', rawFile(header({ a: entry('f32', [1], 0, 4) }), 4), 'UNKNOWN_DTYPE'],
  ['dtype that is not a string', rawFile('{"a": {"dtype":32,"shape":[1],"data_offsets":[0,4]}}', 4), 'UNKNOWN_DTYPE'],
  ['dtype named like an Object method', rawFile(header({ a: entry('toString', [1], 0, 4) }), 4), 'UNKNOWN_DTYPE'],
  ['shape that is not an array', rawFile('{"a": {"dtype":"F32","shape":4,"data_offsets":[0,4]}}', 4), 'INVALID_SHAPE'],
  ['dimension given as a string', rawFile('{"a": {"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}', 4), 'INVALID_SHAPE'],
  ['dimension past 2^53', rawFile('{"a": {"dtype":"U8","shape":[9007199254740993],"data_offsets":[0,4]}}', 4), 'INVALID_SHAPE'],
  ['offset past 2^53', rawFile('{"a": {"dtype":"U8","shape":[1],"data_offsets":[18446744073709551615,0]}}', 1), 'INVALID_OFFSETS'],
  ['bytes (not elements) overflow', rawFile(header({ a: entry('F64', [2 ** 50], 0, 8) }), 8), 'SHAPE_OVERFLOW'],
  ['zero-sized tensor claiming bytes', rawFile(header({ a: entry('F32', [4, 0], 0, 4) }), 4), 'SIZE_MISMATCH'],
  ['zero-sized tensor inside another', rawFile(header({ a: entry('F32', [2], 0, 8), z: entry('F32', [0], 4, 4) }), 8), 'NOT_CONTIGUOUS'],
  ['empty header', rawFile('', 0), 'HEADER_NOT_JSON'],
  ['header with a byte-order mark', rawFile('\ufeff{}', 0), 'HEADER_NOT_JSON'],
  ['comments in the header', rawFile('{/* weights */}', 0), 'HEADER_NOT_JSON'],
  ['NaN in the header', rawFile('{"__metadata__": {}, "a": {"dtype":"F32","shape":[NaN],"data_offsets":[0,4]}}', 4), 'HEADER_NOT_JSON'],
  ['single-quoted strings', rawFile("{'a': 1}", 0), 'HEADER_NOT_JSON'],
  ['two JSON values', rawFile('{} {}', 0), 'HEADER_NOT_JSON'],
  ['NUL padding instead of spaces', rawFile('{}\u0000\u0000', 0), 'HEADER_NOT_JSON'],
];

for (const [name, bytes, code] of REJECTED) {
  test(`rejected: ${name} → ${code}`, () => {
    assert.throws(
      () => parseBytes(bytes),
      (error: unknown) => {
        assert.ok(error instanceof SafetensorsError, String(error));
        assert.equal(error.code, code, error.message);
        assert.equal(error.file, 'test.safetensors');
        return true;
      },
    );
  });
}

test('errors name the tensor they are about', () => {
  assert.throws(
    () => parseBytes(rawFile(header({ 'model.w': entry('F32', [3], 0, 8) }), 8)),
    (e: unknown) => e instanceof SafetensorsError && e.tensor === 'model.w' && /model\.w/.test(e.message),
  );
  assert.throws(
    () => parseBytes(rawFile(header({ a: entry('F32', [1], 0, 4), 'second.one': entry('F32', [1], 0, 4) }), 4)),
    (e: unknown) => e instanceof SafetensorsError && e.code === 'NOT_CONTIGUOUS' && e.tensor === 'second.one',
  );
});

test('a repeated field names the tensor whose entry repeats it', () => {
  const text = '{"ok": {"dtype":"U8","shape":[1],"data_offsets":[0,1]}, "model.w": {"dtype":"U8","shape":[1],"shape":[1],"data_offsets":[1,2]}}';
  assert.throws(
    () => parseBytes(rawFile(text, 2)),
    (e: unknown) => {
      assert.ok(e instanceof SafetensorsError);
      assert.equal(e.code, 'DUPLICATE_KEY');
      assert.equal(e.tensor, 'model.w');
      assert.match(e.message, /tensor "model\.w" has the key "shape" twice/);
      return true;
    },
  );
  assert.throws(
    () => parseBytes(rawFile('{"a": {"dtype":"U8","shape":[1],"data_offsets":[0,1]}, "a": {}}', 1)),
    (e: unknown) => e instanceof SafetensorsError && e.tensor === 'a' && /names "a" twice/.test(e.message),
  );
  assert.throws(
    () => parseBytes(rawFile('{"__metadata__": {"k": "1", "k": "2"}}', 0)),
    (e: unknown) => e instanceof SafetensorsError && e.tensor === undefined && /__metadata__ has the key "k" twice/.test(e.message),
  );
});

test('extra fields in an entry are ignored, as the reference crate ignores them', () => {
  const h = parseBytes(rawFile('{"a": {"dtype":"F32","shape":[1],"data_offsets":[0,4],"crc":"x"}}', 4));
  assert.deepEqual(h.byName.get('a')?.shape, [1]);
});

test('accepted: 0-d and zero-sized tensors, padded headers, null metadata, data order ≠ header order', () => {
  const h = parseBytes(
    rawFile(`  \n${header({ __metadata__: null, scalar: entry('F16', [], 6, 8), empty: entry('F32', [0, 5], 6, 6), later: entry('BF16', [3], 0, 6) })}   \t `, 8),
  );
  assert.equal(h.metadata, null);
  assert.deepEqual(
    h.tensors.map((t) => t.name),
    ['scalar', 'empty', 'later'],
  );
  assert.equal(h.byName.get('scalar')?.elements, 1);
  assert.equal(h.byName.get('empty')?.elements, 0);
  assert.equal(h.byName.get('later')?.start, h.dataStart);
  assert.equal(codeOf(rawFile(header({ a: entry('F4', [4], 0, 2), b: entry('F6_E3M2', [4], 2, 5) }), 5)), 'ok');
  assert.equal(codeOf(rawFile('{}', 0)), 'ok');
  assert.equal(codeOf(rawFile(header({ z1: entry('F32', [0], 4, 4), a: entry('F32', [1], 0, 4), z2: entry('I64', [3, 0], 4, 4) }), 4)), 'ok');
  assert.equal(codeOf(rawFile(header({ z: entry('F32', [0], 0, 0) }), 0)), 'ok');
});

test('tensor names that look like object internals are ordinary names', () => {
  // Written by hand: JSON.stringify would move the integer-like name first.
  const text =
    '{"__proto__": {"dtype":"U8","shape":[1],"data_offsets":[0,1]}, "constructor": {"dtype":"U8","shape":[1],"data_offsets":[1,2]}, "0": {"dtype":"U8","shape":[1],"data_offsets":[2,3]}}';
  const h = parseBytes(rawFile(text, 3));
  assert.deepEqual(
    h.tensors.map((t) => t.name),
    ['__proto__', 'constructor', '0'],
  );
  assert.equal(h.byName.get('__proto__')?.elements, 1);
  const m = parseBytes(rawFile('{"__metadata__": {"__proto__": "x", "toString": "y"}}', 0)).metadata;
  assert.equal(m?.['__proto__'], 'x');
  assert.equal(m?.toString, 'y');
});
