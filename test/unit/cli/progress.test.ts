import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { runCli } from './runCli';

test('progress goes to stderr only with --progress off a terminal, never with --quiet, and never into stdout', async () => {
  const root = await tempDir();
  try {
    const zoo = join(root, 'zoo');
    const made = runCli(['make-zoo', zoo, '--count', '6', '--seed', '3', '--progress']);
    assert.equal(made.status, 0, made.stderr);
    assert.match(made.stderr, /^made 1\/6 adapter-000 /m);
    assert.match(made.stdout, /^made 6 adapters/);
    const train = ['train-predictor', '--zoo', zoo, '--labels', join(zoo, 'labels.csv'), '--target', 'rank', '--folds', '2', '--json'];
    const shown = runCli([...train, '--progress']);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stderr, /^train-predictor: analysing adapter 1: /m);
    assert.equal((JSON.parse(shown.stdout) as { adapters: number }).adapters, 6, 'stdout is the JSON alone');
    // The test's stderr is a pipe: without --progress, or with --quiet, nothing is said.
    for (const extra of [[], ['--progress', '--quiet']]) {
      const r = runCli([...train, ...extra]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '', extra.join(' '));
      assert.equal(r.stdout, shown.stdout);
    }
    const silentZoo = runCli(['make-zoo', join(root, 'zoo2'), '--count', '1']);
    assert.equal(silentZoo.status, 0, silentZoo.stderr);
    assert.equal(silentZoo.stderr, '');
  } finally {
    await removeDir(root);
  }
});
