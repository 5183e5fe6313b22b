import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openTensorSource } from '../../../src/core/container/open';
import { PickleError, type PickleErrorCode } from '../../../src/core/pickle/errors';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { le } from '../../helpers/pickleWriter';
import { contiguousStride, statePickle, torchSaveZip, zipStored, type SavedStorage, type SavedTensor } from '../../helpers/torchSave';

const STORAGES: SavedStorage[] = [{ key: '0', dtype: 'F32', values: Float64Array.from({ length: 12 }, (_, i) => i + 0.5) }];
const TENSORS: SavedTensor[] = [{ name: 'w', storage: '0', offset: 0, shape: [3, 4], stride: contiguousStride([3, 4]) }];

async function opened(bytes: Uint8Array, check: (path: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  try {
    const path = join(dir, 'model.pt');
    await writeFile(path, bytes);
    await check(path);
  } finally {
    await removeDir(dir);
  }
}

function refused(bytes: Uint8Array, code: PickleErrorCode, message: RegExp): Promise<void> {
  return opened(bytes, (path) =>
    assert.rejects(openTensorSource(path), (error: unknown) => {
      assert.ok(error instanceof PickleError, String(error));
      assert.equal(error.code, code, error.message);
      assert.match(error.message, message);
      return true;
    }),
  );
}

test('a ZIP64 archive (saturated classic end record) is read through its ZIP64 end record', async () => {
  await opened(torchSaveZip(TENSORS, STORAGES, { zip64: true, archive: 'model' }), async (path) => {
    const source = await openTensorSource(path);
    try {
      assert.deepEqual(Array.from(await source.readFloat64('w')), Array.from(STORAGES[0].values));
    } finally {
      await source.close();
    }
  });
});

test('damaged or unsupported archives are refused with what is wrong and where', async () => {
  const pkl = statePickle(TENSORS, STORAGES);
  const data = new Uint8Array(new Float32Array(12).buffer);
  await refused(
    zipStored([
      { name: 'archive/data.pkl', data: pkl, method: 8 },
      { name: 'archive/data/0', data },
    ]),
    'UNSUPPORTED',
    /archive\/data\.pkl is compressed \(method 8\)/,
  );
  await refused(
    zipStored([
      { name: 'archive/data.pkl', data: pkl },
      { name: 'archive/data.pkl', data: pkl },
    ]),
    'BAD_ZIP',
    /holds "archive\/data\.pkl" twice/,
  );
  const valid = torchSaveZip(TENSORS, STORAGES);
  await refused(valid.slice(0, valid.length - 10), 'BAD_ZIP', /no zip end-of-central-directory record/);
  // The end record's directory offset (its last 6 bytes hold it and the comment length) pointed past the file.
  const far = valid.slice();
  far.set(le(valid.length + 100, 4), valid.length - 6);
  await refused(far, 'BAD_ZIP', /central directory .* runs past/);
  // The second member's directory entry pointed at the first member's local header.
  const dirAt = new DataView(valid.buffer).getUint32(valid.length - 6, true);
  const second = dirAt + 46 + 'archive/data.pkl'.length;
  const overlap = valid.slice();
  overlap.set(le(0, 4), second + 42);
  await refused(overlap, 'BAD_ZIP', /local header of "archive\/byteorder" names another member/);
  await refused(
    zipStored([
      { name: 'archive/data.pkl', data: pkl },
      { name: 'archive/data/0', data: data.subarray(0, 40) },
    ]),
    'TENSOR_OUT_OF_BOUNDS',
    /storage "0" of 12 F32 elements is larger than its member \(40 bytes\)/,
  );
  await refused(torchSaveZip([{ ...TENSORS[0], shape: [4, 4] }], STORAGES), 'TENSOR_OUT_OF_BOUNDS', /reaches element 15 of storage/);
  await refused(zipStored([{ name: 'archive/data.pkl', data: pkl }]), 'NOT_A_STATE_DICT', /no member archive\/data\/0/);
});
