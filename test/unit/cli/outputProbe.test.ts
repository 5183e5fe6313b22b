import { strict as assert } from 'node:assert';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkOutputPath } from '../../../src/cli/outputPath';
import { UsageError } from '../../../src/cli/usage';
import { errnoError, setFsFaultHook } from '../../../src/core/io/fsFaults';
import { removeDir, tempDir } from '../../helpers/fixtures';

test('an output folder that refuses a new file (a read-only mount, which root cannot write either) is refused before the analysis', async () => {
  const root = await tempDir();
  try {
    const folder = join(root, 'results');
    await mkdir(folder);
    setFsFaultHook((step, target) => {
      if (step === 'create' && target === folder) throw errnoError('EROFS', 'open', target);
    });
    try {
      assert.throws(
        () => checkOutputPath({ option: '--out', path: join(folder, 'features.csv'), kind: 'file' }),
        (e: unknown) => e instanceof UsageError && e.inputError && /--out .*features\.csv: the folder .*results is not writable: read-only file system \(EROFS\)/.test(e.message),
      );
      assert.throws(
        () => checkOutputPath({ option: '--out', path: folder, kind: 'folder' }),
        (e: unknown) => e instanceof UsageError && /is a folder that is not writable: read-only file system \(EROFS\)/.test(e.message),
      );
    } finally {
      setFsFaultHook(undefined);
    }
    // A writable folder passes, and the probe leaves nothing behind.
    checkOutputPath({ option: '--out', path: join(folder, 'features.csv'), kind: 'file' });
    assert.deepEqual(await readdir(folder), []);
  } finally {
    await removeDir(root);
  }
});
