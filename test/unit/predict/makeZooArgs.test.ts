import { strict as assert } from 'node:assert';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { runCli } from '../cli/runCli';

test('make-zoo --setting and --checkpoints: a bad value is a usage error; a good one reaches the zoo', async () => {
  for (const [args, expected] of [
    [['--setting', 'gaussian'], /--setting takes one of paper, subpopulations, mixture \(got "gaussian"\)/],
    [['--checkpoints', '13'], /--checkpoints takes at most 12 \(got 13\)/],
    [['--checkpoints', '-1'], /--checkpoints/],
  ] as const) {
    const r = runCli(['make-zoo', join('no', 'such', 'zoo'), ...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, expected);
  }
  const root = await tempDir();
  try {
    const zoo = join(root, 'zoo');
    const made = runCli(['make-zoo', zoo, '--count', '1', '--setting', 'mixture', '--checkpoints', '1', '--quiet']);
    assert.equal(made.status, 0, made.stderr);
    assert.match(made.stdout, /setting mixture/);
    assert.equal((JSON.parse(await readFile(join(zoo, 'zoo.json'), 'utf8')) as { setting: string }).setting, 'mixture');
    assert.deepEqual(
      (await readdir(join(zoo, 'adapter-000'))).filter((n) => n.startsWith('checkpoint-')),
      [`checkpoint-${/^adapter-000,\d+,\d+,[^,]+,[^,]+,(\d+),/m.exec(await readFile(join(zoo, 'labels.csv'), 'utf8'))?.[1]}`],
      'one checkpoint: the last step',
    );
  } finally {
    await removeDir(root);
  }
});
