import { strict as assert } from 'node:assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { corpusPath, removeDir, tempDir } from '../../helpers/fixtures';
import { checkOutputPath } from '../../../src/cli/outputPath';
import { runCli } from './runCli';

test('output paths are checked before any input is read', async () => {
  const root = await tempDir();
  try {
    const missing = join(root, 'no-such-folder');
    const aDir = join(root, 'taken.csv');
    await mkdir(aDir);
    const aFile = join(root, 'file');
    await writeFile(aFile, 'x');
    // Inputs that would fail (or take long) if they were read first: the output's error comes first.
    const cases: [string[], RegExp][] = [
      [['scan', '/no/such/adapters', '--out', join(missing, 'x.csv')], /^lora-lens: scan: --out .*x\.csv: the folder .*no-such-folder does not exist/],
      [['scan', corpusPath(), '--out', aDir, '--progress'], /^lora-lens: scan: --out .*taken\.csv: is a folder; give a file name/],
      [['resize', '/no/such/adapter', '--out', join(missing, 'small.safetensors')], /^lora-lens: resize: --out .*small\.safetensors: the folder .*no-such-folder does not exist/],
      [['resize', '/no/such/adapter', '--out', join(aFile, 'peft')], /^lora-lens: resize: --out .*: .*file is not a folder/],
      // These two create missing parents, so the nearest existing ancestor is what must be a folder.
      [
        ['train-predictor', '--zoo', '/no/such/zoo', '--labels', '/no/such/labels.csv', '--target', 'rank', '--out', join(aFile, 'sub', 'predictor')],
        /^lora-lens: train-predictor: --out .*predictor: .*file is not a folder/,
      ],
      [['make-zoo', join(aFile, 'sub', 'zoo')], /^lora-lens: make-zoo: <folder> .*zoo: .*file is not a folder/],
      [['make-zoo', aFile], /^lora-lens: make-zoo: <folder> .*file: is a file; give a folder/],
    ];
    for (const [args, expected] of cases) {
      const r = runCli(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, expected);
      // Every input above is missing or would be analysed: neither shows, so nothing was read first.
      assert.doesNotMatch(r.stderr, /adapter folders|analysing|no such adapter|NOT_FOUND/);
    }
    // A dry run writes nothing, so its --out is not checked.
    const dry = runCli(['resize', '/no/such/adapter', '--dry-run', '--out', join(missing, 'x.safetensors')]);
    assert.equal(dry.status, 2);
    assert.doesNotMatch(dry.stderr, /no-such-folder does not exist/);
  } finally {
    await removeDir(root);
  }
});

test('commands that create missing parents accept an output under folders that do not exist yet', async () => {
  const root = await tempDir();
  try {
    const deep = join(root, 'runs', 'new', 'predictor');
    assert.doesNotThrow(() => checkOutputPath({ option: '--out', path: deep, kind: 'folder', createsParents: true }));
    assert.throws(() => checkOutputPath({ option: '--out', path: deep, kind: 'folder' }), /the folder .*new does not exist/);
    await writeFile(join(root, 'runs'), 'x');
    assert.throws(() => checkOutputPath({ option: '--out', path: deep, kind: 'folder', createsParents: true }), /runs is not a folder/);
  } finally {
    await removeDir(root);
  }
});
