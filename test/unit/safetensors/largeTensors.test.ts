import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSafetensors } from '../../../src/core/safetensors/reader';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { TWO_GIB, writeSparseSafetensors } from '../../helpers/sparseFile';

/**
 * Tensors of 2 GiB and more, in sparse files (no disk, no memory to make them). One `read` call
 * of 2^31 bytes or more aborts Node, so every read must be chunked; the tests read such tensors
 * in chunks or in small ranges and never hold one whole.
 */

const SIZE = TWO_GIB + 4096;
/** Bytes written into the big tensor: at its start, around the 2 GiB boundary, and its last byte. */
const POKES = [
  { offset: 0, value: 0x11 },
  { offset: TWO_GIB - 1, value: 0xa5 },
  { offset: TWO_GIB, value: 0x5a },
  { offset: TWO_GIB + 1, value: 0x3c },
  { offset: SIZE - 1, value: 0x77 },
];

async function writeBigFile(dir: string): Promise<string> {
  const path = join(dir, 'big.safetensors');
  await writeSparseSafetensors(
    path,
    [
      { name: 'small', dtype: 'U8', shape: [3], data: Uint8Array.of(1, 2, 3) },
      { name: 'big', dtype: 'U8', shape: [SIZE] },
    ],
    POKES.map((p) => ({ ...p, tensor: 'big' })),
  );
  return path;
}

test('a tensor past 2 GiB streams in bounded chunks with every byte in place across the boundary', async () => {
  const dir = await tempDir();
  try {
    const file = await openSafetensors(await writeBigFile(dir));
    try {
      const info = file.header.byName.get('big');
      assert.equal(info?.end !== undefined && info.end - info.start, SIZE);
      let seen = 0;
      let longest = 0;
      const found = new Map<number, number>();
      const chunk = 48 * 1024 * 1024;
      await file.streamBytes(
        'big',
        async (bytes) => {
          longest = Math.max(longest, bytes.length);
          for (const p of POKES) if (p.offset >= seen && p.offset < seen + bytes.length) found.set(p.offset, bytes[p.offset - seen]);
          seen += bytes.length;
          return Promise.resolve();
        },
        chunk,
      );
      assert.equal(seen, SIZE);
      assert.ok(longest <= chunk, `a chunk of ${longest} bytes`);
      for (const p of POKES) assert.equal(found.get(p.offset), p.value, `byte ${p.offset}`);
      assert.deepEqual(await file.readBytes('small'), Uint8Array.of(1, 2, 3));
    } finally {
      await file.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test('element ranges past and across the 2 GiB offset read the right bytes', async () => {
  const dir = await tempDir();
  try {
    const file = await openSafetensors(await writeBigFile(dir));
    try {
      assert.deepEqual(await file.readBytes('big', { start: TWO_GIB - 2, count: 5 }), Uint8Array.of(0, 0xa5, 0x5a, 0x3c, 0));
      assert.deepEqual(await file.readBytes('big', { start: SIZE - 2, count: 2 }), Uint8Array.of(0, 0x77));
      assert.deepEqual(await file.readFloat64('big', { start: TWO_GIB, count: 2 }), Float64Array.of(0x5a, 0x3c));
    } finally {
      await file.close();
    }
  } finally {
    await removeDir(dir);
  }
});
