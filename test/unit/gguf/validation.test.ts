import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { GgufError, type GgufErrorCode } from '../../../src/core/gguf/errors';
import { MAX_ARRAY_DEPTH } from '../../../src/core/gguf/values';
import { openGguf } from '../../../src/core/gguf/reader';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { ByteSink, ggufBytes, type GgufFileSpec, type GgufTensorSpec, type KvValue } from '../../helpers/ggufWriter';

/** Each way a GGUF header can be wrong gives its own typed error, naming what and where. */

const F32 = (name: string, count = 8, extra: Partial<GgufTensorSpec> = {}): GgufTensorSpec => ({
  name,
  shape: [count],
  type: 'F32',
  values: new Float64Array(count).fill(1),
  ...extra,
});
const VALID: GgufFileSpec = { kv: [['general.architecture', { type: 'STRING', value: 'llama' }]], tensors: [F32('a'), F32('b')] };

async function failure(bytes: Uint8Array): Promise<GgufError> {
  const dir = await tempDir();
  const path = join(dir, 'x.gguf');
  await writeFile(path, bytes);
  try {
    const file = await openGguf(path);
    await file.close();
  } catch (error) {
    assert.ok(error instanceof GgufError, String(error));
    return error;
  } finally {
    await removeDir(dir);
  }
  assert.fail('the file was read');
}

async function assertFails(bytes: Uint8Array, code: GgufErrorCode, message: RegExp): Promise<void> {
  const error = await failure(bytes);
  assert.equal(error.code, code, error.message);
  assert.match(error.message, message);
  assert.equal(error.inputError, true);
}

/** Bytes of `spec` with a u32/u64 at `offset` replaced. */
function patched(spec: GgufFileSpec, offset: number, value: bigint, size: 4 | 8): Uint8Array {
  const bytes = ggufBytes(spec);
  const dv = new DataView(bytes.buffer);
  if (size === 4) dv.setUint32(offset, Number(value), true);
  else dv.setBigUint64(offset, value, true);
  return bytes;
}

const nested = (depth: number): KvValue => {
  let value: KvValue = { type: 'ARRAY', itemType: 'UINT8', items: [{ type: 'UINT8', value: 1 }] };
  for (let d = 1; d < depth; d++) value = { type: 'ARRAY', itemType: 'ARRAY', items: [value] };
  return value;
};

test('the valid file the cases below break is read', async () => {
  const dir = await tempDir();
  const path = join(dir, 'ok.gguf');
  await writeFile(path, ggufBytes({ ...VALID, kv: [...VALID.kv, ['deep', nested(MAX_ARRAY_DEPTH)]] }));
  const file = await openGguf(path);
  assert.equal(file.header.tensors.length, 2);
  await file.close();
  await removeDir(dir);
});

test('magic, version and byte order', async () => {
  await assertFails(patched(VALID, 0, 0x47554747n, 4), 'NOT_GGUF', /does not start with the GGUF magic/);
  await assertFails(new Uint8Array([0x47, 0x47]), 'NOT_GGUF', /magic/);
  await assertFails(patched(VALID, 4, 1n, 4), 'UNSUPPORTED_VERSION', /version 1/);
  await assertFails(patched(VALID, 4, 4n, 4), 'UNSUPPORTED_VERSION', /version 4/);
  await assertFails(patched(VALID, 4, 0x03000000n, 4), 'UNSUPPORTED_VERSION', /big-endian/);
});

test('tensor and metadata counts are bounded, and bounded by the bytes left', async () => {
  await assertFails(patched(VALID, 8, 2n ** 40n, 8), 'LIMIT_EXCEEDED', /tensor count is 1099511627776/);
  await assertFails(patched(VALID, 16, 2n ** 63n, 8), 'LIMIT_EXCEEDED', /metadata entry count/);
  await assertFails(patched(VALID, 8, 900_000n, 8), 'PAST_END', /900000 tensors/);
});

test('strings: a length past the end of the file or over the limit', async () => {
  // The first key's length is the u64 right after the 24-byte preamble.
  await assertFails(patched(VALID, 24, 5000n, 8), 'PAST_END', /key of metadata entry 0 at byte 24 is 5000 bytes long, past the end/);
  await assertFails(patched(VALID, 24, 2n ** 62n, 8), 'LIMIT_EXCEEDED', /over the limit/);
  const value = new ByteSink()
    .u32(0x46554747)
    .u32(3)
    .u64(0)
    .u64(1)
    .string('k')
    .u32(8)
    .u64(1n << 40n)
    .concat();
  await assertFails(value, 'LIMIT_EXCEEDED', /metadata entry "k"/);
});

test('metadata: unknown value types, duplicate keys, arrays too deep or too long', async () => {
  const sink = new ByteSink().u32(0x46554747).u32(3).u64(0).u64(1).string('k').u32(13).u64(0);
  await assertFails(sink.concat(), 'INVALID_METADATA', /value type 13/);
  const twice: GgufFileSpec = {
    kv: [
      ['k', { type: 'UINT8', value: 1 }],
      ['k', { type: 'UINT8', value: 2 }],
    ],
    tensors: [],
  };
  await assertFails(ggufBytes(twice), 'DUPLICATE_KEY', /"k" appears twice/);
  await assertFails(ggufBytes({ kv: [['deep', nested(MAX_ARRAY_DEPTH + 1)]], tensors: [] }), 'LIMIT_EXCEEDED', /nest more than 8 deep/);
  const long = new ByteSink().u32(0x46554747).u32(3).u64(0).u64(1).string('arr').u32(9).u32(4).u64(1_000_000).u32(1).concat();
  await assertFails(long, 'PAST_END', /1000000 UINT32 items, more than the/);
  const huge = new ByteSink()
    .u32(0x46554747)
    .u32(3)
    .u64(0)
    .u64(1)
    .string('arr')
    .u32(9)
    .u32(0)
    .u64(2n ** 50n)
    .concat();
  await assertFails(huge, 'LIMIT_EXCEEDED', /length of an array/);
});

test('general.alignment must be a UINT32 power of two', async () => {
  await assertFails(ggufBytes({ ...VALID, alignment: 48 }), 'INVALID_METADATA', /general.alignment is 48/);
  await assertFails(ggufBytes({ kv: [['general.alignment', { type: 'UINT32', value: 0 }]], tensors: [] }), 'INVALID_METADATA', /is 0/);
  await assertFails(ggufBytes({ kv: [['general.alignment', { type: 'UINT32', value: 2 ** 30 }]], tensors: [] }), 'INVALID_METADATA', /power of two of at most/);
  await assertFails(ggufBytes({ kv: [['general.alignment', { type: 'UINT64', value: 32n }]], tensors: [] }), 'INVALID_METADATA', /is a UINT64; it must be a UINT32/);
});

test('tensor infos: dimensions, types, block multiples, duplicates', async () => {
  await assertFails(ggufBytes({ kv: [], tensors: [F32('a', 8, { ne: [1, 1, 1, 1, 8] })] }), 'INVALID_SHAPE', /5 dimensions/);
  await assertFails(ggufBytes({ kv: [], tensors: [F32('a', 8, { ne: [2n ** 40n, 2n ** 40n] })] }), 'INVALID_SHAPE', /counted exactly/);
  await assertFails(ggufBytes({ kv: [], tensors: [F32('a', 8, { typeId: 4 })] }), 'UNKNOWN_TYPE', /ggml type 4/);
  await assertFails(ggufBytes({ kv: [], tensors: [F32('a', 8, { typeId: 8, ne: [8] })] }), 'INVALID_SHAPE', /rows of 8 values, not a whole number of Q8_0 blocks of 32/);
  await assertFails(ggufBytes({ kv: [], tensors: [F32('a'), F32('a')] }), 'DUPLICATE_TENSOR', /"a" is listed twice/);
});

test('tensor data: inside the file, aligned, not overlapping', async () => {
  await assertFails(ggufBytes({ kv: [], tensors: [F32('a'), F32('b', 8, { offset: 4096 })] }), 'INVALID_OFFSETS', /"b" \(F32, 32 bytes at data offset 4096\) runs past the end/);
  await assertFails(ggufBytes({ kv: [], tensors: [F32('a'), F32('b', 8, { offset: 2n ** 63n })] }), 'INVALID_OFFSETS', /runs past the end/);
  await assertFails(ggufBytes({ kv: [], tensors: [F32('a'), F32('b', 8, { offset: 16 })] }), 'MISALIGNED', /offset 16, not a multiple of the alignment 32/);
  await assertFails(ggufBytes({ kv: [], tensors: [F32('a', 16), F32('b', 8, { offset: 0 })] }), 'OVERLAP', /"a" .* and "b" .* overlap/);
  // A large tensor that covers two later ones.
  await assertFails(ggufBytes({ kv: [], tensors: [F32('big', 64), F32('b', 8, { offset: 64 }), F32('c', 8, { offset: 160 })] }), 'OVERLAP', /"big"/);
  const truncated = ggufBytes(VALID).subarray(0, ggufBytes(VALID).length - 40);
  await assertFails(truncated, 'INVALID_OFFSETS', /runs past the end/);
});

test('a block type listed but not dequantized here is refused by name when read', async () => {
  const dir = await tempDir();
  const path = join(dir, 'k.gguf');
  // A Q4_K tensor of one 256-value block (144 bytes), written from 36 F32 values' bytes.
  await writeFile(path, ggufBytes({ kv: [], tensors: [F32('k', 36, { typeId: 12, ne: [256] })] }));
  const file = await openGguf(path);
  try {
    assert.equal(file.header.byName.get('k')?.elements, 256);
    await assert.rejects(file.readFloat64('k'), (e: unknown) => e instanceof GgufError && e.code === 'UNSUPPORTED_TYPE' && /Q4_K/.test(e.message));
    await assert.rejects(file.readFloat64('nope'), (e: unknown) => e instanceof GgufError && e.code === 'TENSOR_NOT_FOUND');
  } finally {
    await file.close();
    await removeDir(dir);
  }
});

test('a file of metadata and no tensors, without padding after it, is read', async () => {
  const dir = await tempDir();
  const path = join(dir, 'meta-only.gguf');
  await writeFile(path, new ByteSink().u32(0x46554747).u32(3).u64(0).u64(1).string('k').u32(4).u32(7).concat());
  const file = await openGguf(path);
  assert.equal(file.header.tensors.length, 0);
  assert.equal(file.header.metadata?.k, '7');
  await file.close();
  await removeDir(dir);
});
