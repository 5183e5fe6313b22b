import { strict as assert } from 'node:assert';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { AtomicWriteError } from '../../../src/core/io/atomicWrite';
import { errnoError, setFsFaultHook, type FsStep } from '../../../src/core/io/fsFaults';
import { OutputWriteError, writeOutputSet, type OutputFile } from '../../../src/core/io/outputSet';
import { removeDir, tempDir } from '../../helpers/fixtures';

/** An adapter, its config and two reports, as a resize writes them; the weights in two chunks. */
function outputSet(dir: string, tag: string): OutputFile[] {
  return [
    {
      path: join(dir, 'adapter_model.safetensors'),
      contents: async (write) => {
        await write(new Uint8Array(1 << 16).fill(1));
        await write(new TextEncoder().encode(tag));
      },
    },
    { path: join(dir, 'adapter_config.json'), contents: `{"tag":"${tag}"}\n` },
    { path: join(dir, 'resize-report.json'), contents: `{"report":"${tag}"}\n` },
    { path: join(dir, 'resize-report.md'), contents: `# ${tag}\n` },
  ];
}

/** Fails `step` of the `nth` file of the set (1-based, in the order the step reaches the files) with `code`. */
function failAt(step: FsStep, nth: number, code: string): void {
  const seen: string[] = [];
  setFsFaultHook((s, target) => {
    if (s !== step) return;
    if (!seen.includes(target)) seen.push(target);
    if (seen.indexOf(target) === nth - 1) throw errnoError(code, step, target);
  });
}

for (const [step, nth] of [
  ['write', 2],
  ['write', 3],
  ['sync', 4],
  ['move', 3],
  ['move', 4],
] as const) {
  test(`ENOSPC at ${step} of file ${nth}: nothing is left in place, no temporary either, and a re-run succeeds`, async () => {
    const dir = await tempDir();
    try {
      const files = outputSet(dir, 'first');
      failAt(step, nth, 'ENOSPC');
      try {
        await assert.rejects(
          writeOutputSet(files),
          (e: unknown) =>
            e instanceof OutputWriteError &&
            e.inputError &&
            e.errno === 'ENOSPC' &&
            e.path === files[nth - 1].path &&
            e.message.includes(files[nth - 1].path) &&
            /no space left on device/.test(e.message) &&
            /nothing was written/.test(e.message),
        );
      } finally {
        setFsFaultHook(undefined);
      }
      assert.deepEqual(await readdir(dir), []);
      await writeOutputSet(outputSet(dir, 'second'));
      assert.deepEqual((await readdir(dir)).sort(), ['adapter_config.json', 'adapter_model.safetensors', 'resize-report.json', 'resize-report.md']);
      assert.equal(await readFile(join(dir, 'resize-report.md'), 'utf8'), '# second\n');
    } finally {
      await removeDir(dir);
    }
  });
}

test('a failed set that replaces files puts the user’s earlier files back, byte for byte', async () => {
  const dir = await tempDir();
  try {
    await writeFile(join(dir, 'adapter_config.json'), 'the user’s own config');
    await writeFile(join(dir, 'resize-report.md'), 'an earlier report');
    failAt('move', 4, 'EDQUOT');
    try {
      await assert.rejects(writeOutputSet(outputSet(dir, 'new'), { overwrite: true }), (e: unknown) => e instanceof OutputWriteError && e.errno === 'EDQUOT');
    } finally {
      setFsFaultHook(undefined);
    }
    assert.deepEqual((await readdir(dir)).sort(), ['adapter_config.json', 'resize-report.md']);
    assert.equal(await readFile(join(dir, 'adapter_config.json'), 'utf8'), 'the user’s own config');
    assert.equal(await readFile(join(dir, 'resize-report.md'), 'utf8'), 'an earlier report');
  } finally {
    await removeDir(dir);
  }
});

test('a real refusal (a folder where the third file goes: EISDIR) leaves nothing of the set; a re-run succeeds once it is gone', async () => {
  const dir = await tempDir();
  try {
    await mkdir(join(dir, 'resize-report.json'));
    const files = outputSet(dir, 'x');
    await assert.rejects(
      writeOutputSet(files, { overwrite: true }),
      (e: unknown) => e instanceof OutputWriteError && e.path === files[2].path && (e.errno === 'EISDIR' || e.errno === 'ENOTEMPTY' || e.errno === 'EEXIST'),
    );
    assert.deepEqual(await readdir(dir), ['resize-report.json']);
    await rmdir(join(dir, 'resize-report.json'));
    await writeOutputSet(files);
    assert.equal((await readdir(dir)).length, 4);
  } finally {
    await removeDir(dir);
  }
});

test('a real refusal (the folder is a path through a regular file: ENOTDIR) names the file', async () => {
  const dir = await tempDir();
  try {
    await writeFile(join(dir, 'plain'), 'x');
    const files = [{ path: join(dir, 'report.md'), contents: 'a' }, ...outputSet(join(dir, 'plain'), 'x').slice(1)];
    await assert.rejects(writeOutputSet(files), (e: unknown) => e instanceof OutputWriteError && e.errno === 'ENOTDIR' && e.path === files[1].path);
    assert.deepEqual(await readdir(dir), ['plain']);
  } finally {
    await removeDir(dir);
  }
});

test('without overwrite an existing file is refused before any work; a producer’s own error is rethrown as it is, after the clean-up', async () => {
  const dir = await tempDir();
  try {
    await writeFile(join(dir, 'adapter_config.json'), 'mine');
    await assert.rejects(writeOutputSet(outputSet(dir, 'x')), (e: unknown) => e instanceof AtomicWriteError && e.code === 'FILE_EXISTS');
    assert.deepEqual(await readdir(dir), ['adapter_config.json']);
    const boom = new Error('cancelled');
    const files: OutputFile[] = [
      { path: join(dir, 'a.txt'), contents: 'a' },
      {
        path: join(dir, 'b.bin'),
        contents: async (write) => {
          await write(new Uint8Array(8));
          throw boom;
        },
      },
    ];
    await assert.rejects(writeOutputSet(files), (e: unknown) => e === boom);
    assert.deepEqual(await readdir(dir), ['adapter_config.json']);
  } finally {
    await removeDir(dir);
  }
});
