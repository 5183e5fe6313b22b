import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { cholesky, invertUpper } from '../../../src/core/linalg/cholesky';
import { gram } from '../../../src/core/linalg/gram';
import type { Matrix } from '../../../src/core/linalg/matrix';
import { ONE_PASS_TOLERANCE, onePassError } from '../../../src/core/linalg/onePassGram';
import { gaussian, toColumnMajor } from '../../helpers/factors';
import { Rng } from '../../helpers/random';

const errorOf = (T: Matrix): number => {
  const R = cholesky(gram(T)) as Matrix;
  return onePassError(R, invertUpper(R), T.rows);
};

test('gram(T) is TᵀT to float64 accuracy, both triangles', () => {
  const rng = Rng.fresh();
  const T = toColumnMajor(gaussian(rng, 1100, 11));
  const G = gram(T);
  for (let i = 0; i < 11; i++) {
    for (let j = 0; j < 11; j++) {
      let want = 0;
      for (let k = 0; k < 1100; k++) want += T.data[i * 1100 + k] * T.data[j * 1100 + k];
      assert.ok(Math.abs(G.data[j * 11 + i] - want) <= 1e-12 * 1100, `G[${i}][${j}] ${rng.tag}`);
    }
  }
});

test('the one-pass bound ignores column scaling and grows with the condition after scaling', () => {
  const rng = Rng.fresh();
  const T = toColumnMajor(gaussian(rng, 2000, 8));
  const base = errorOf(T);
  assert.ok(base > 0 && base <= ONE_PASS_TOLERANCE, `Gaussian factor: ${base} ${rng.tag}`);
  // Columns scaled over 1e6: κ(T) ~ 1e6, κ after scaling unchanged, so the bound barely moves.
  const scaled = { ...T, data: T.data.map((x, k) => x * 10 ** (-6 * (Math.floor(k / 2000) / 7))) };
  const graded = errorOf(scaled);
  assert.ok(Math.abs(graded - base) <= 1e-6 * base, `graded: ${graded} against ${base} ${rng.tag}`);
  // Two nearly parallel columns (angle ~1e-4): ‖R_s⁻¹‖² ~ 1e8, far past the tolerance.
  const near = { ...T, data: T.data.slice() };
  for (let k = 0; k < 2000; k++) near.data[7 * 2000 + k] = near.data[k] + 1e-4 * near.data[7 * 2000 + k];
  assert.ok(errorOf(near) > 1e4 * ONE_PASS_TOLERANCE, `near-parallel columns: ${errorOf(near)} ${rng.tag}`);
});
