import { strict as assert } from 'node:assert';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { AtomicWriteError, writeAtomic, writeFileAtomic } from '../../../src/core/io/atomicWrite';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { withSyncSpy } from '../../helpers/syncSpy';

const isCode = (code: string) => (e: unknown) => e instanceof AtomicWriteError && e.code === code;

test('the file is fsynced before it is renamed into place, and the directory after', async () => {
  const dir = await tempDir();
  try {
    const target = join(dir, 'out.txt');
    const calls = await withSyncSpy(target, () => writeFileAtomic(target, 'hello'));
    // First the temporary file (the target does not exist yet), then the directory holding the new name.
    assert.deepEqual(calls, [false, true]);
    assert.equal(await readFile(target, 'utf8'), 'hello');
    const again = await withSyncSpy(target, () => writeAtomic(target, async (write) => write(new Uint8Array([1, 2, 3]))));
    assert.equal(again.length, 2);
  } finally {
    await removeDir(dir);
  }
});

test('a failing write leaves the old target intact and no temporary file behind', async () => {
  const dir = await tempDir();
  try {
    const target = join(dir, 'out.bin');
    await writeFile(target, 'old');
    const boom = new Error('producer failed');
    await assert.rejects(
      writeAtomic(target, async (write) => {
        await write(new Uint8Array(1 << 16).fill(7));
        throw boom;
      }),
      (e: unknown) => e === boom,
    );
    assert.equal(await readFile(target, 'utf8'), 'old');
    assert.deepEqual(await readdir(dir), ['out.bin']);
    // A target whose folder is missing fails at the first step, as an IO_ERROR naming it.
    await assert.rejects(writeFileAtomic(join(dir, 'missing', 'x.txt'), 'x'), (e: unknown) => isCode('IO_ERROR')(e) && (e as AtomicWriteError).path.endsWith('x.txt'));
    assert.deepEqual(await readdir(dir), ['out.bin']);
  } finally {
    await removeDir(dir);
  }
});

test('overwrite: false refuses an existing target with FILE_EXISTS, before any work', async () => {
  const dir = await tempDir();
  try {
    const target = join(dir, 'out.txt');
    await writeFile(target, 'old');
    let produced = false;
    await assert.rejects(
      writeAtomic(
        target,
        async (write) => {
          produced = true;
          await write(new Uint8Array(1));
        },
        { overwrite: false },
      ),
      (e: unknown) => isCode('FILE_EXISTS')(e) && /already exists/.test((e as Error).message),
    );
    assert.equal(produced, false);
    assert.equal(await readFile(target, 'utf8'), 'old');
    assert.deepEqual(await readdir(dir), ['out.txt']);
    await writeFileAtomic(join(dir, 'fresh.txt'), 'new', { overwrite: false });
    assert.equal(await readFile(join(dir, 'fresh.txt'), 'utf8'), 'new');
  } finally {
    await removeDir(dir);
  }
});

test('concurrent writes to one target never produce a torn file, and without overwrite exactly one wins', async () => {
  const dir = await tempDir();
  try {
    const target = join(dir, 'out.bin');
    const size = 1 << 18;
    const writers = 12;
    let writing = true;
    const torn: string[] = [];
    // A reader that keeps looking while the writers race: every file it sees must be one writer's whole output.
    const reader = (async () => {
      while (writing) {
        const bytes = await readFile(target).catch(() => null);
        if (bytes && (bytes.length !== size || bytes.some((b) => b !== bytes[0]))) torn.push(`${bytes.length} bytes`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    // Each writer writes in several chunks, so a shared file would interleave them.
    const chunk = size / 8;
    await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        writeAtomic(target, async (write) => {
          for (let c = 0; c < 8; c++) {
            await write(new Uint8Array(chunk).fill(i + 1));
            await new Promise((resolve) => setImmediate(resolve));
          }
        }),
      ),
    );
    writing = false;
    await reader;
    assert.deepEqual(torn, []);
    const final = await readFile(target);
    assert.equal(final.length, size);
    assert.ok(final.every((b) => b === final[0]) && final[0] >= 1 && final[0] <= writers);
    assert.deepEqual(await readdir(dir), ['out.bin']);

    const claimed = join(dir, 'claimed.bin');
    const results = await Promise.allSettled(Array.from({ length: writers }, (_, i) => writeFileAtomic(claimed, new Uint8Array(size).fill(i + 1), { overwrite: false })));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i + 1] : []));
    assert.equal(won.length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(isCode('FILE_EXISTS')(r.reason), String(r.reason));
    const kept = await readFile(claimed);
    assert.ok(kept.length === size && kept.every((b) => b === won[0]));
    assert.deepEqual((await readdir(dir)).sort(), ['claimed.bin', 'out.bin']);
  } finally {
    await removeDir(dir);
  }
});
