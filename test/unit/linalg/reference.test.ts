import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { add, dd, twoProd } from '../../helpers/doubleDouble';
import { diagonal, ddOrthogonalityError, plantedByRotations, plantedBySignedPermutations, rotateRandomly } from '../../helpers/planted';
import { Rng } from '../../helpers/random';
import { materialize, referenceSingularValues, type DDMatrix, type Dense } from '../../helpers/referenceSvd';

/**
 * The double-double reference is what every spectrum is judged by, so it is checked here on its
 * own: the error-free transformations against exact integer arithmetic, the SVD against planted
 * singular values.
 */

/** A double with |x| in [2^-20, 2^20] and a random 53-bit significand. */
function randomDouble(rng: Rng): number {
  const significand = Math.floor(rng.next() * 2 ** 26) * 2 ** 27 + Math.floor(rng.next() * 2 ** 27) + 2 ** 53;
  return (rng.next() < 0.5 ? -1 : 1) * significand * 2 ** (rng.int(-20, 20) - 53);
}

/** x·2^k as a BigInt; exact for the doubles above when k ≥ 73 (their ulp is ≥ 2^-73). */
const exact = (x: number, k: number): bigint => BigInt(x * 2 ** k);

test('TwoProd (Dekker, Veltkamp split) and the double-double sum are exact', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 2000; trial++) {
    const a = randomDouble(rng);
    const b = randomDouble(rng);
    const p = twoProd(a, b);
    assert.equal(exact(p.hi, 160) + exact(p.lo, 160), exact(a, 80) * exact(b, 80), `${a}·${b} ${rng.tag}`);
    const s = add(dd(a), dd(b));
    assert.equal(exact(s.hi, 80) + exact(s.lo, 80), exact(a, 80) + exact(b, 80), `${a} + ${b} ${rng.tag}`);
  }
});

test('the reference materializes s·B·M·A exactly when the exact result fits in double-double', () => {
  const rng = Rng.fresh();
  const [m, r, n] = [5, 3, 4];
  const integers = (rows: number, cols: number): Dense => ({ rows, cols, data: Float64Array.from({ length: rows * cols }, () => rng.int(-(2 ** 20), 2 ** 20)) });
  const B = integers(m, r);
  const M = integers(r, r);
  const A = integers(r, n);
  const W = materialize(0.375, B, A, M);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let want = 0n;
      for (let k = 0; k < r; k++) for (let l = 0; l < r; l++) want += BigInt(B.data[i * r + k]) * BigInt(M.data[k * r + l]) * BigInt(A.data[l * n + j]);
      const got = W.data[i * n + j];
      assert.equal(exact(got.hi, 3) + exact(got.lo, 3), want * 3n, `entry (${i}, ${j}) ${rng.tag}`);
    }
  }
});

test('plane-rotation products built in double-double are orthogonal to 1e-30', () => {
  const rng = Rng.fresh();
  for (const n of [2, 5, 17]) {
    const Q: DDMatrix = rotateRandomly(rng, diagonal(n, n, Array<number>(n).fill(1)), 6 * n, 'rows');
    assert.ok(ddOrthogonalityError(Q) <= 1e-30, `n = ${n}: ${ddOrthogonalityError(Q)} ${rng.tag}`);
  }
});

test('the reference recovers planted singular values: signed permutations (exact), spread 1e20, zeros', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 20; trial++) {
    const m = rng.int(1, 12);
    const n = rng.int(1, 12);
    const k = Math.min(m, n);
    const sigma = Array.from({ length: k }, (_, i) => (i === k - 1 && trial % 3 === 0 ? 0 : 10 ** (-20 * rng.next())));
    const X = plantedBySignedPermutations(rng, m, n, sigma);
    const got = referenceSingularValues({ rows: m, cols: n, data: Array.from(X.data, (x) => dd(x)) });
    const want = sigma.slice().sort((a, b) => b - a);
    for (let i = 0; i < k; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-28 * want[i] + 1e-31 * want[0], `σ${i + 1} = ${got[i]}, planted ${want[i]} (${m}×${n}) ${rng.tag}`);
  }
});

test('the reference recovers planted singular values: rotation products, rectangular, graded, repeated, zero', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 8; trial++) {
    const m = rng.int(2, 14);
    const n = rng.int(2, 14);
    const k = Math.min(m, n);
    const sigma = Array.from({ length: k }, (_, i) => 10 ** (-12 * (i / Math.max(k - 1, 1))));
    if (k >= 3) sigma[1] = sigma[0]; // a repeated value
    if (trial % 2 === 0) sigma[k - 1] = 0; // rank deficient
    const got = referenceSingularValues(plantedByRotations(rng, m, n, sigma));
    for (let i = 0; i < k; i++) assert.ok(Math.abs(got[i] - sigma[i]) <= 1e-26 * sigma[i] + 1e-29 * sigma[0], `σ${i + 1} = ${got[i]}, planted ${sigma[i]} (${m}×${n}) ${rng.tag}`);
  }
});
