import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { foldsOf } from '../../../src/core/predict/predictor/crossValidate';
import { Rng } from '../../helpers/random';

function assertPartition(folds: number[][], n: number, k: number, tag: string): void {
  assert.equal(folds.length, k, tag);
  assert.deepEqual(
    folds.flat().sort((a, b) => a - b),
    Array.from({ length: n }, (_, i) => i),
    `every row in exactly one fold ${tag}`,
  );
  const sizes = folds.map((f) => f.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes} ${tag}`);
}

test('stratified folds: each fold takes one row from every run of k rows in target order', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 20; trial++) {
    const n = rng.int(6, 60);
    const k = rng.int(2, Math.min(6, n));
    // Few distinct values with many ties, like ranks 1, 2, 4, 8.
    const y = Float64Array.from({ length: n }, () => 2 ** rng.int(0, 3) + (rng.next() < 0.5 ? 0 : rng.next()));
    const folds = foldsOf(n, k, rng.int(0, 1e6), y);
    assertPartition(folds, n, k, rng.tag);
    const sortedAll = Array.from(y).sort((a, b) => a - b);
    for (const fold of folds) {
      // Ties may be ordered either way, so compare values: the i-th smallest of a fold lies in run i.
      const values = fold.map((r) => y[r]).sort((a, b) => a - b);
      values.forEach((v, i) => assert.ok(sortedAll.slice(i * k, (i + 1) * k).includes(v), `fold value ${v} outside run ${i} ${rng.tag}`));
    }
    assertPartition(foldsOf(n, k, rng.int(0, 1e6)), n, k, rng.tag);
  }
});
