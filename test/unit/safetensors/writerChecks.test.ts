import { strict as assert } from 'node:assert';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeFloat32 } from '../../../src/core/safetensors/encode';
import { SafetensorsError, type SafetensorsErrorCode } from '../../../src/core/safetensors/errors';
import { readHeader } from '../../../src/core/safetensors/reader';
import { encodeSafetensors, writeTensorsAtomic, type TensorToWrite } from '../../../src/core/safetensors/writer';
import { removeDir, tempDir } from '../../helpers/fixtures';

const isCode = (code: SafetensorsErrorCode) => (e: unknown) => e instanceof SafetensorsError && e.code === code;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

test('byte for byte what the reference writer produces for the same tensors', () => {
  // The reference crate's own serialization tests: N, the JSON, space padding to 8, the data.
  const one = encodeSafetensors([{ name: 'attn.0', dtype: 'F32', shape: [1, 2, 3], data: encodeFloat32([0, 1, 2, 3, 4, 5]) }]);
  assert.deepEqual(Array.from(one.subarray(0, 8)), [64, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(text(one.subarray(8, 72)), '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}');
  assert.deepEqual(Array.from(one.subarray(72, 80)), [0, 0, 0, 0, 0, 0, 128, 63]);
  const aligned = encodeSafetensors([{ name: 'attn0', dtype: 'F32', shape: [1, 1, 2, 3], data: encodeFloat32([0, 1, 2, 3, 4, 5]) }]);
  assert.equal(text(aligned.subarray(8, 80)), '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ');
  assert.deepEqual(Array.from(encodeSafetensors([])), [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  assert.equal(text(encodeSafetensors([], { framework: 'pt' }).subarray(8)), '{"__metadata__":{"framework":"pt"}}     ');
  assert.equal(text(encodeSafetensors([], null).subarray(8)), '{}      ', 'null metadata is omitted, as the reference omits None');
});

test('the writer refuses what the reader would refuse', () => {
  const f32 = (name: string, shape: number[], values: number[]): TensorToWrite => ({ name, dtype: 'F32', shape, data: encodeFloat32(values) });
  assert.throws(() => encodeSafetensors([f32('a', [1], [1]), f32('a', [1], [2])]), isCode('DUPLICATE_KEY'));
  assert.throws(() => encodeSafetensors([f32('__metadata__', [1], [1])]), isCode('DUPLICATE_KEY'));
  assert.throws(() => encodeSafetensors([f32('a', [2], [1])]), isCode('SIZE_MISMATCH'));
  assert.throws(() => encodeSafetensors([f32('a', [-1], [])]), isCode('INVALID_SHAPE'));
  assert.throws(() => encodeSafetensors([f32('a', [0.5], [])]), isCode('INVALID_SHAPE'));
  assert.throws(() => encodeSafetensors([f32('a', [2 ** 40, 2 ** 40], [])]), isCode('SHAPE_OVERFLOW'));
  assert.throws(() => encodeSafetensors([{ name: 'p', dtype: 'F4', shape: [3], data: new Uint8Array(2) }]), isCode('MISALIGNED'));
});

test('in-memory tensors written atomically: FILE_EXISTS unless overwrite, no temp files left', async () => {
  const dir = await tempDir();
  try {
    const target = join(dir, 'adapter.safetensors');
    const tensors: TensorToWrite[] = [{ name: 'w', dtype: 'F32', shape: [2], data: encodeFloat32([1, 2]) }];
    await writeTensorsAtomic(target, tensors, { format: 'pt' });
    assert.equal((await readHeader(target)).tensors[0].name, 'w');
    await writeFile(join(dir, 'other.safetensors'), 'keep me');
    await assert.rejects(writeTensorsAtomic(join(dir, 'other.safetensors'), tensors), (e: unknown) => isCode('FILE_EXISTS')(e) && /not overwritten/.test((e as Error).message));
    assert.equal(await readFile(join(dir, 'other.safetensors'), 'utf8'), 'keep me');
    await writeTensorsAtomic(join(dir, 'other.safetensors'), tensors, null, { overwrite: true });
    assert.equal((await readHeader(join(dir, 'other.safetensors'))).metadata, null);
    await assert.rejects(writeTensorsAtomic(join(dir, 'bad.safetensors'), [{ name: 'w', dtype: 'F32', shape: [3], data: encodeFloat32([1]) }]), isCode('SIZE_MISMATCH'));
    await assert.rejects(writeTensorsAtomic(join(dir, 'no-such-folder', 'x.safetensors'), tensors), isCode('IO_ERROR'));
    assert.deepEqual((await readdir(dir)).sort(), ['adapter.safetensors', 'other.safetensors']);
  } finally {
    await removeDir(dir);
  }
});
