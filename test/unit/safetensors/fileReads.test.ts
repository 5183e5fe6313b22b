import { strict as assert } from 'node:assert';
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeBFloat16, encodeFloat16, encodeFloat32, encodeFloat64 } from '../../../src/core/safetensors/encode';
import { SafetensorsError, type SafetensorsErrorCode } from '../../../src/core/safetensors/errors';
import { openSafetensors, readHeader } from '../../../src/core/safetensors/reader';
import { encodeSafetensors, type TensorToWrite } from '../../../src/core/safetensors/writer';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

const isCode = (code: SafetensorsErrorCode, tensor?: string) => (error: unknown) => {
  assert.ok(error instanceof SafetensorsError, String(error));
  assert.equal(error.code, code, error.message);
  if (tensor !== undefined) assert.equal(error.tensor, tensor, error.message);
  return true;
};

/** Values exactly representable in every float width used below (so comparisons are exact). */
function halfExact(rng: Rng, count: number): Float64Array {
  // At most 8 significant bits: exact in bfloat16 (the narrowest significand here).
  return Float64Array.from({ length: count }, () => rng.int(-255, 255) / 32);
}

/** A file with one tensor per float width, an integer tensor, a scalar and an empty tensor. */
function generated(rng: Rng): { bytes: Uint8Array; values: Float64Array; tensors: TensorToWrite[] } {
  const values = halfExact(rng, 3 * 5);
  const tensors: TensorToWrite[] = [
    { name: 'f32', dtype: 'F32', shape: [3, 5], data: encodeFloat32(values) },
    { name: 'f16', dtype: 'F16', shape: [3, 5], data: encodeFloat16(values) },
    { name: 'bf16', dtype: 'BF16', shape: [15], data: encodeBFloat16(values) },
    { name: 'f64', dtype: 'F64', shape: [5, 3], data: encodeFloat64(values) },
    { name: 'u8', dtype: 'U8', shape: [3], data: new Uint8Array([0, 7, 255]) },
    { name: 'scalar', dtype: 'F32', shape: [], data: encodeFloat32([0.5]) },
    { name: 'empty', dtype: 'F16', shape: [0, 4], data: new Uint8Array(0) },
    { name: 'packed', dtype: 'F4', shape: [2, 3], data: new Uint8Array([0x21, 0x43, 0x65]) },
  ];
  return { bytes: encodeSafetensors(tensors, { format: 'pt' }), values, tensors };
}

test('tensors read through the file handle: bytes, float64 and float32, in fresh aligned buffers', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const { bytes, values, tensors } = generated(rng);
    const path = join(dir, 'model.safetensors');
    await writeFile(path, bytes);
    const file = await openSafetensors(path);
    try {
      assert.equal(file.header.fileSize, bytes.length);
      // Read in parallel through the one handle: positioned reads do not interfere.
      const read = await Promise.all(tensors.map((t) => file.readBytes(t.name)));
      read.forEach((got, i) => {
        assert.deepEqual(got, tensors[i].data, tensors[i].name);
        assert.ok(!Buffer.isBuffer(got), 'a plain Uint8Array, not a pooled Buffer');
        assert.equal(got.byteOffset, 0);
        assert.equal(got.buffer.byteLength, got.length, `${tensors[i].name} owns its whole buffer`);
      });
      for (const name of ['f32', 'f16', 'bf16', 'f64']) {
        assert.deepEqual(await file.readFloat64(name), values, `${name} ${rng.tag}`);
        assert.deepEqual(await file.readFloat32(file.header.byName.get(name) ?? name), Float32Array.from(values), `${name} ${rng.tag}`);
      }
      assert.deepEqual(Array.from(await file.readFloat64('u8')), [0, 7, 255]);
      assert.deepEqual(Array.from(await file.readFloat64('scalar')), [0.5]);
      assert.equal((await file.readFloat64('empty')).length, 0);
      assert.deepEqual(await file.readBytes('packed'), new Uint8Array([0x21, 0x43, 0x65]));
      await assert.rejects(file.readFloat64('packed'), isCode('UNSUPPORTED_DTYPE', 'packed'));
      await assert.rejects(file.readFloat64('f32', { start: 2, count: 14 }), isCode('INVALID_OFFSETS', 'f32'));
      assert.deepEqual(await file.readFloat64('f16', { start: 5, count: 5 }), values.subarray(5, 10));
      await assert.rejects(
        file.readBytes('missing.weight'),
        (e: unknown) => isCode('TENSOR_NOT_FOUND', 'missing.weight')(e) && /no tensor named "missing\.weight"/.test((e as Error).message),
      );
    } finally {
      await file.close();
    }
    await file.close();
    await assert.rejects(file.readBytes('f32'), isCode('IO_ERROR', 'f32'));
  } finally {
    await removeDir(dir);
  }
});

test('a file truncated after its header was read gives MISSING_BYTES for the lost tensors, never garbage', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const { bytes } = generated(rng);
    const path = join(dir, 'shrinking.safetensors');
    await writeFile(path, bytes);
    const file = await openSafetensors(path);
    try {
      const f16 = file.header.byName.get('f16');
      assert.ok(f16);
      // Cut the file in the middle of the F16 tensor: what lies before is intact but the file is
      // no longer the one opened, so it is not read as if it were.
      await truncate(path, f16.start + 7);
      await assert.rejects(file.readFloat64('f32'), isCode('FILE_CHANGED'));
      await assert.rejects(file.readFloat64('f16'), (e: unknown) => isCode('MISSING_BYTES', 'f16')(e) && /truncated or replaced/.test((e as Error).message));
      await assert.rejects(file.readBytes('f64'), isCode('MISSING_BYTES', 'f64'));
      // A zero-sized tensor needs no bytes, wherever its offset points.
      assert.equal((await file.readBytes('empty')).length, 0);
    } finally {
      await file.close();
    }
    // Opened again, the truncated file is refused up front.
    await assert.rejects(readHeader(path), isCode('MISSING_BYTES'));
  } finally {
    await removeDir(dir);
  }
});

test('paths that are not readable files give IO_ERROR naming the path', async () => {
  const dir = await tempDir();
  try {
    await assert.rejects(readHeader(join(dir, 'absent.safetensors')), (e: unknown) => isCode('IO_ERROR')(e) && (e as SafetensorsError).file.endsWith('absent.safetensors'));
    await mkdir(join(dir, 'folder.safetensors'));
    await assert.rejects(readHeader(join(dir, 'folder.safetensors')), isCode('IO_ERROR'));
  } finally {
    await removeDir(dir);
  }
});
