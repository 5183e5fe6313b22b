import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { BaseModel, type BaseWeight } from '../../../src/core/base/baseModel';
import { BASE_BLOCK_ELEMENTS } from '../../../src/core/base/streamedWeight';
import { JsDenseEngine } from '../../../src/core/compute/dense';
import { encodeBFloat16 } from '../../../src/core/safetensors/encode';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { writeSparseSafetensors, type Poke } from '../../helpers/sparseFile';

/**
 * A 32768×32768 BF16 base weight (2 GiB on disk, 4 GiB as float32) in a sparse file with three
 * nonzero values at known places: under the default bound it is an operator streamed from the
 * file, and one pass each of W0·X and W0ᵀ·Y gives the exact products, with no read of the
 * whole weight or of more than a block. (The whole `--base` analysis of such a weight makes
 * about fifteen passes; bench/streamedBase.ts runs it.)
 */

const N = 32768;
const NAME = 'model.layers.0.self_attn.q_proj.weight';

/** The two bytes of a BF16 value at (row, col), as pokes. */
function pokeBF16(row: number, col: number, value: number): Poke[] {
  return [...encodeBFloat16([value])].map((byte, i) => ({ tensor: NAME, offset: 2 * (row * N + col) + i, value: byte }));
}

test('a 32768² BF16 base weight is streamed: W0·X and W0ᵀ·Y exact, no read past a block', async () => {
  const dir = await tempDir();
  try {
    const path = join(dir, 'model.safetensors');
    await writeSparseSafetensors(path, [{ name: NAME, dtype: 'BF16', shape: [N, N] }], [...pokeBF16(5, 7, 3), ...pokeBF16(20000, 7, 4), ...pokeBF16(N - 1, N - 1, 2)]);
    const base = await BaseModel.open(path);
    try {
      const weight = base.weights.get(NAME) as BaseWeight;
      let whole = false;
      let largest = 0;
      const original = weight.file.readBytes.bind(weight.file);
      weight.file.readBytes = (tensor, range, target) => {
        if (!range) whole = true;
        else largest = Math.max(largest, range.count);
        return original(tensor, range, target);
      };
      const { operator, dense } = await base.weightOperator(weight, false, new JsDenseEngine());
      assert.equal(dense, null, 'the weight was read into memory');
      const ones = { rows: N, cols: 1, data: new Float64Array(N).fill(1) };
      const WX = await operator.times(ones);
      const nonzero = (data: Float64Array) => [...data.entries()].filter(([, v]) => v !== 0);
      assert.deepEqual(nonzero(WX.data), [
        [5, 3],
        [20000, 4],
        [N - 1, 2],
      ]);
      const Y = new Float64Array(N);
      Y[5] = 1;
      Y[20000] = 2;
      const WtY = await operator.timesTransposed({ rows: N, cols: 1, data: Y });
      assert.deepEqual(nonzero(WtY.data), [[7, 11]]);
      assert.ok(!whole, 'the weight was read whole');
      assert.ok(largest > 0 && largest <= BASE_BLOCK_ELEMENTS, `largest read ${largest} elements`);
    } finally {
      await base.close();
    }
  } finally {
    await removeDir(dir);
  }
});
