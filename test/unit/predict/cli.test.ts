import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

/** The built CLI bundle (npm test builds it first), run as a user runs it. */
const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('make-zoo then scan through the worker: rows, a reported skip, resume, and a refused labels.csv', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const zoo = join(root, 'zoo');
    const made = run('make-zoo', zoo, '--count', '3', '--seed', String(rng.int(0, 1e9)), '--checkpoints', '0', '--quiet');
    assert.equal(made.status, 0, made.stderr);
    assert.match(made.stdout, /made 3 adapters/);
    await mkdir(join(zoo, 'broken'));
    await writeFile(join(zoo, 'broken', 'adapter_model.safetensors'), 'not safetensors at all');
    const out = join(root, 'features.csv');
    const first = run('scan', zoo, '--out', out, '--k', '4');
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /3 rows \(3 added, 0 kept\); 3 analysed, 1 skipped/, rng.tag);
    assert.match(first.stderr, /skipped broken: /);
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\r\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0], /^path,layout,blocks\.0\.fc:sigma1,.*blocks\.1\.fc:effectiveRank$/);
    assert.match(lines[1], /^adapter-000,spectra-v1:k=4:modules=2:[0-9a-f]{8},/);
    const again = run('scan', zoo, '--out', out, '--quiet');
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /3 rows \(0 added, 3 kept\); 0 analysed, 1 skipped/, 'the resumed scan analyses nothing again');
    const labels = join(zoo, 'labels.csv');
    const before = await readFile(labels, 'utf8');
    const refused = run('scan', zoo, '--out', labels);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /not a lora-lens scan output.*--force/);
    assert.equal(await readFile(labels, 'utf8'), before);
    assert.equal(run('scan', zoo, '--out', join(root, 'f.txt')).status, 2);
    assert.equal(run('make-zoo', zoo).status, 2, 'make-zoo refuses a folder that is not empty');
  } finally {
    await removeDir(root);
  }
});
