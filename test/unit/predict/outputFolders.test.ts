import { strict as assert } from 'node:assert';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CancelledError } from '../../../src/core/cancellation';
import { errnoError, setFsFaultHook } from '../../../src/core/io/fsFaults';
import { MODEL_FILE } from '../../../src/core/predict/predictor/manifest';
import { writePredictor } from '../../../src/core/predict/predictor/predictorDir';
import { makeZoo, ZooDirError } from '../../../src/core/predict/zoo/makeZoo';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { ridgeManifest } from '../../helpers/predictorManifest';
import { Rng } from '../../helpers/random';

const modules = [{ name: 'blocks.0.fc', shape: [32, 32] as const }];

/** Every name under `dir`, sorted. */
async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

/** Makes the rename of a finished folder onto `target` fail as a full disk would. */
function failMoveOnto(target: string): void {
  setFsFaultHook((step, path) => {
    if (step === 'move' && path === target) throw errnoError('ENOSPC', 'rename', path);
  });
}

test('make-zoo cancelled or failing part-way leaves no folder, no temporary and no partial zoo', async () => {
  const root = await tempDir();
  try {
    const zoo = join(root, 'zoo');
    const cancel = { isCancellationRequested: false };
    await assert.rejects(makeZoo(zoo, { count: 3, seed: Rng.fresh().int(0, 2 ** 31), token: cancel, onAdapter: () => (cancel.isCancellationRequested = true) }), CancelledError);
    assert.deepEqual(await listing(root), [], 'cancelled: nothing left');
    await assert.rejects(
      makeZoo(zoo, {
        count: 3,
        onAdapter: (done) => {
          if (done === 2) throw new Error('boom');
        },
      }),
      /boom/,
    );
    assert.deepEqual(await listing(root), [], 'failed: nothing left');
    await mkdir(zoo);
    await assert.rejects(makeZoo(zoo, { count: 2, onAdapter: () => (cancel.isCancellationRequested = true), token: cancel }), CancelledError);
    assert.deepEqual(await listing(root), ['zoo'], 'an empty folder given stays, empty');
  } finally {
    await removeDir(root);
  }
});

test('make-zoo replaces a folder that is not empty only with force, and only once the new zoo is whole', async () => {
  const root = await tempDir();
  try {
    const zoo = join(root, 'zoo');
    await mkdir(zoo);
    await writeFile(join(zoo, 'notes.txt'), 'mine');
    await assert.rejects(makeZoo(zoo, { count: 1 }), ZooDirError);
    assert.deepEqual(await listing(root), ['zoo', join('zoo', 'notes.txt')]);
    failMoveOnto(zoo);
    try {
      await assert.rejects(makeZoo(zoo, { count: 1, force: true }), /ENOSPC/);
    } finally {
      setFsFaultHook(undefined);
    }
    assert.deepEqual(await listing(root), ['zoo', join('zoo', 'notes.txt')], 'the old folder is kept whole, no temporary left');
    await makeZoo(zoo, { count: 1, force: true });
    const names = await listing(root);
    assert.ok(!names.includes(join('zoo', 'notes.txt')), 'replaced');
    assert.ok(names.includes(join('zoo', 'labels.csv')) && names.includes(join('zoo', 'zoo.json')));
    assert.deepEqual(
      names.filter((n) => !n.startsWith('zoo')),
      [],
      'no temporary or old folder beside it',
    );
  } finally {
    await removeDir(root);
  }
});

test('a predictor that cannot be renamed into place leaves the old one whole and no temporary folder', async () => {
  const root = await tempDir();
  try {
    const dir = join(root, 'predictor');
    const manifest = ridgeManifest(modules, 'p');
    await writePredictor(dir, { manifest, model: Uint8Array.of(1, 2, 3) }, false);
    const before = await listing(root);
    failMoveOnto(dir);
    try {
      await assert.rejects(writePredictor(dir, { manifest, model: Uint8Array.of(4, 5, 6) }, true), /ENOSPC/);
    } finally {
      setFsFaultHook(undefined);
    }
    assert.deepEqual(await listing(root), before, 'the same files, no temporary or old folder');
    assert.deepEqual(new Uint8Array(await readFile(join(dir, MODEL_FILE))), Uint8Array.of(1, 2, 3));
    await writePredictor(dir, { manifest, model: Uint8Array.of(4, 5, 6) }, true);
    assert.deepEqual(await listing(root), before);
    assert.deepEqual(new Uint8Array(await readFile(join(dir, MODEL_FILE))), Uint8Array.of(4, 5, 6));
  } finally {
    await removeDir(root);
  }
});
