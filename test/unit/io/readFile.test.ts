import { strict as assert } from 'node:assert';
import { mkdir, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileReadError, openRegularFile, readFully, readSmallFile, readSmallText, type FileReadCode } from '../../../src/core/io/readFile';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { HAS_FIFOS, linkToDevZero, makeFifo, releaseFifo } from '../../helpers/specialFiles';

const isCode = (code: FileReadCode, path?: string) => (e: unknown) => {
  assert.ok(e instanceof FileReadError, String(e));
  assert.equal(e.code, code, e.message);
  assert.equal(e.inputError, true);
  if (path !== undefined) assert.equal(e.path, path);
  return true;
};

test('a FIFO, a symlink to /dev/zero and a folder are refused as NOT_A_FILE before they are opened', { skip: !HAS_FIFOS }, async () => {
  const dir = await tempDir();
  const fifo = join(dir, 'trainer_state.json');
  try {
    makeFifo(fifo);
    await linkToDevZero(join(dir, 'model.onnx'));
    await mkdir(join(dir, 'folder.json'));
    for (const [name, kind] of [
      ['trainer_state.json', /named pipe/],
      ['model.onnx', /character device/],
      ['folder.json', /folder/],
    ] as const) {
      const path = join(dir, name);
      await assert.rejects(readSmallFile(path, 1024, 'the test file'), (e: unknown) => isCode('NOT_A_FILE', path)(e) && kind.test((e as Error).message));
      await assert.rejects(openRegularFile(path), isCode('NOT_A_FILE', path));
    }
  } finally {
    releaseFifo(fifo);
    await removeDir(dir);
  }
});

test('a missing file is NOT_FOUND; a file over the cap is TOO_LARGE; one at the cap is read whole', async () => {
  const dir = await tempDir();
  try {
    const missing = join(dir, 'absent.json');
    await assert.rejects(readSmallText(missing, 10), isCode('NOT_FOUND', missing));
    const path = join(dir, 'ten.txt');
    await writeFile(path, '0123456789');
    await assert.rejects(readSmallFile(path, 9), (e: unknown) => isCode('TOO_LARGE', path)(e) && /10 bytes, over the 9-byte limit/.test((e as Error).message));
    assert.equal(await readSmallText(path, 10), '0123456789');
    assert.equal(await readSmallText(join(dir, 'ten.txt'), 1 << 20), '0123456789');
    const empty = join(dir, 'empty');
    await writeFile(empty, '');
    assert.equal((await readSmallFile(empty, 0)).length, 0);
  } finally {
    await removeDir(dir);
  }
});

test('readSmallFile returns the exact bytes of files around its chunk size', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    for (const size of [1, 65535, 65536, 65537, 200_001]) {
      const bytes = Uint8Array.from({ length: size }, () => rng.int(0, 255));
      const path = join(dir, `f${size}`);
      await writeFile(path, bytes);
      assert.deepEqual(await readSmallFile(path, size), bytes, `${size} ${rng.tag}`);
    }
  } finally {
    await removeDir(dir);
  }
});

/** A stand-in file handle over bytes in memory: every read returns at most `short` bytes, and the lengths asked for are recorded. */
function fakeHandle(bytes: Uint8Array, short: number, asked: number[]): FileHandle {
  const read = (buffer: Uint8Array, offset: number, length: number, position: number) => {
    asked.push(length);
    const n = Math.max(0, Math.min(length, short, bytes.length - position));
    buffer.set(bytes.subarray(position, position + n), offset);
    return Promise.resolve({ bytesRead: n, buffer });
  };
  return { read } as unknown as FileHandle;
}

test('readFully asks for at most one chunk per call, loops over short reads and stops at the end of the file', async () => {
  const rng = Rng.fresh();
  const bytes = Uint8Array.from({ length: 1000 }, () => rng.int(0, 255));
  const asked: number[] = [];
  const target = new Uint8Array(700);
  const got = await readFully(fakeHandle(bytes, 37, asked), target, 250, 64);
  assert.equal(got, 700);
  assert.deepEqual(target, bytes.subarray(250, 950), rng.tag);
  assert.ok(
    asked.every((n) => n > 0 && n <= 64),
    `lengths asked: ${asked.join(', ')}`,
  );
  const tail = new Uint8Array(100);
  assert.equal(await readFully(fakeHandle(bytes, 1000, []), tail, 950, 64), 50, 'the file ends 50 bytes in');
  assert.deepEqual(tail.subarray(0, 50), bytes.subarray(950));
});
