import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { temporaryName, writeReplacing, type ReplacingFs } from '../../../src/host/exportWrite';
import { Rng } from '../../helpers/random';

/** An in-memory folder whose writes can fail part way (after some bytes) and whose renames can fail. */
function memoryFs(files: Map<string, Uint8Array>, failWriteAfter: number | null, failRename: boolean): ReplacingFs<string> {
  return {
    writeFile: async (uri, bytes) => {
      if (failWriteAfter !== null) {
        files.set(uri, bytes.slice(0, failWriteAfter));
        throw new Error('disk full');
      }
      files.set(uri, bytes.slice());
    },
    rename: async (source, target) => {
      if (failRename) throw new Error('rename refused');
      const bytes = files.get(source);
      if (!bytes) throw new Error('no source');
      files.set(target, bytes);
      files.delete(source);
    },
    delete: async (uri) => {
      if (!files.delete(uri)) throw new Error('not found');
    },
  };
}

test('an export write leaves the old file or the whole new one, never part of it, and no temporary file', async () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 50; trial++) {
    const old = Uint8Array.from({ length: rng.int(0, 50) }, () => rng.int(0, 255));
    const next = Uint8Array.from({ length: rng.int(1, 200) }, () => rng.int(0, 255));
    const had = rng.next() < 0.5;
    const files = new Map<string, Uint8Array>(had ? [['chart.png', old]] : []);
    const failure = rng.int(0, 2);
    const fs = memoryFs(files, failure === 1 ? rng.int(0, next.length - 1) : null, failure === 2);
    const temp = temporaryName('chart.png', () => rng.next());
    const where = `trial ${trial} failure ${failure} ${rng.tag}`;
    if (failure === 0) {
      await writeReplacing(fs, 'chart.png', temp, next);
      assert.deepEqual(files.get('chart.png'), next, where);
    } else {
      await assert.rejects(writeReplacing(fs, 'chart.png', temp, next), /disk full|rename refused/, where);
      assert.deepEqual(files.get('chart.png'), had ? old : undefined, where);
    }
    assert.deepEqual([...files.keys()], had || failure === 0 ? ['chart.png'] : [], where);
  }
});

test('the temporary name is hidden, in the same folder and marked partial', () => {
  const rng = Rng.fresh();
  const name = temporaryName('chart.png', () => rng.next());
  assert.match(name, /^\.chart\.png\.[0-9a-z]+\.partial$/, rng.tag);
});
