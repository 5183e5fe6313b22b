import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { errnoError, setFsFaultHook } from '../../../src/core/io/fsFaults';
import { OutputWriteError } from '../../../src/core/io/outputSet';
import { resizeAdapter, type ResizeOptions } from '../../../src/core/resize/resize';
import { corpusPath, removeDir, tempDir } from '../../helpers/fixtures';

const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');

function options(output: string): ResizeOptions {
  return { input: corpusPath('peft-tinygpt2'), output, method: { kind: 'fixed', rank: 1 }, format: 'same', compute: { backend: 'js', device: 'cpu' } };
}

for (const failing of ['resize-report.json', 'resize-report.md']) {
  test(`ENOSPC while ${failing} is written: no adapter is left behind, and a re-run succeeds`, async () => {
    const dir = await tempDir();
    try {
      const out = join(dir, 'small');
      setFsFaultHook((step, target) => {
        if (step === 'write' && target.endsWith(failing)) throw errnoError('ENOSPC', 'write', target);
      });
      try {
        await assert.rejects(
          resizeAdapter(options(out)),
          (e: unknown) => e instanceof OutputWriteError && e.inputError && e.path === join(out, failing) && /nothing was written/.test(e.message),
        );
      } finally {
        setFsFaultHook(undefined);
      }
      // The folder the resize made for its output is gone too.
      assert.deepEqual(await readdir(dir), []);
      const result = await resizeAdapter(options(out));
      assert.deepEqual((await readdir(out)).sort(), ['adapter_config.json', 'adapter_model.safetensors', 'resize-report.json', 'resize-report.md']);
      assert.equal(result.files.length, 4);
    } finally {
      await removeDir(dir);
    }
  });
}

test('the CLI: a report that cannot be written (a folder in its place) exits 2 naming it, leaves no adapter, and a re-run succeeds', async () => {
  const dir = await tempDir();
  try {
    const out = join(dir, 'small');
    await mkdir(join(out, 'resize-report.md'), { recursive: true });
    const args = [CLI, 'resize', corpusPath('peft-tinygpt2'), '--out', out, '--method', 'fixed', '--param', '1', '--quiet', '--json'];
    const failed = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
    assert.equal(failed.status, 2, failed.stderr);
    const { error } = JSON.parse(failed.stdout) as { error: { code: string; message: string } };
    assert.equal(error.code, 'OUTPUT_NOT_WRITTEN');
    assert.match(error.message, /resize-report\.md: .*nothing was written/);
    assert.deepEqual(await readdir(out), ['resize-report.md']);
    await rmdir(join(out, 'resize-report.md'));
    const again = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
    assert.equal(again.status, 0, again.stderr);
    assert.equal((await readdir(out)).length, 4);
  } finally {
    await removeDir(dir);
  }
});
