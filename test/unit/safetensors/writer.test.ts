import { strict as assert } from 'node:assert';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeFloat32 } from '../../../src/core/safetensors/encode';
import { openSafetensors } from '../../../src/core/safetensors/reader';
import { encodeSafetensors, writeSafetensorsAtomic } from '../../../src/core/safetensors/writer';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { parseBytes } from '../../helpers/rawSafetensors';

test('written files are valid, 8-byte aligned, and keep tensor order (integer-like names too)', () => {
  const bytes = encodeSafetensors(
    [
      { name: 'b', dtype: 'F32', shape: [2], data: encodeFloat32([1, 2]) },
      { name: '10', dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) },
      { name: 'scalar', dtype: 'F32', shape: [], data: encodeFloat32([7]) },
    ],
    { format: 'pt' },
  );
  const h = parseBytes(bytes);
  assert.equal(h.headerLength % 8, 0);
  assert.deepEqual(
    h.tensors.map((t) => t.name),
    ['b', '10', 'scalar'],
  );
  assert.deepEqual(Object.entries(h.metadata ?? {}), [['format', 'pt']]);
});

test('atomic writes: temp file then rename; an existing file is never overwritten unless asked', async () => {
  const dir = await tempDir();
  try {
    const target = join(dir, 'out.safetensors');
    const specs = [{ name: 'x', dtype: 'F32' as const, shape: [3] }];
    const produce = async (_: number, write: (c: Uint8Array) => Promise<void>) => {
      await write(encodeFloat32([1]));
      await write(encodeFloat32([2, 3]));
    };
    await writeSafetensorsAtomic(target, specs, null, produce);
    const file = await openSafetensors(target);
    assert.deepEqual(Array.from(await file.readFloat64('x')), [1, 2, 3]);
    await file.close();
    await writeFile(join(dir, 'keep.safetensors'), 'precious');
    await assert.rejects(writeSafetensorsAtomic(join(dir, 'keep.safetensors'), specs, null, produce), /already exists/);
    assert.equal(await readFile(join(dir, 'keep.safetensors'), 'utf8'), 'precious');
    await writeSafetensorsAtomic(join(dir, 'keep.safetensors'), specs, null, produce, { overwrite: true });
    // A producer that writes the wrong number of bytes fails and leaves no temp file behind.
    await assert.rejects(
      writeSafetensorsAtomic(join(dir, 'short.safetensors'), specs, null, async (_, write) => write(encodeFloat32([1]))),
      /expected 12/,
    );
    assert.deepEqual((await readdir(dir)).sort(), ['keep.safetensors', 'out.safetensors']);
  } finally {
    await removeDir(dir);
  }
});
