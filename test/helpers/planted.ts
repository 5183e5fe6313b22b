import { add, dd, div, mul, sub, type DD } from './doubleDouble';
import type { Rng } from './random';
import type { DDMatrix } from './referenceSvd';

/**
 * Matrices with known singular values, to validate the double-double reference: U·Σ·Vᵀ with
 * U and V products of plane rotations applied in double-double (orthogonal to ~1e-31), or
 * signed permutations (exactly orthogonal, so the result is exact in float64 too).
 * Independent of src/.
 */

/** Row-major m×n double-double matrix with `sigma` on the diagonal (sigma.length ≤ min(m, n)). */
export function diagonal(m: number, n: number, sigma: readonly number[]): DDMatrix {
  const data: DD[] = Array.from({ length: m * n }, () => dd(0));
  sigma.forEach((s, i) => (data[i * n + i] = dd(s)));
  return { rows: m, cols: n, data };
}

/**
 * A random rotation in the (i, j) plane with c = (1 − t²)/(1 + t²), s = 2t/(1 + t²), t = p/q a
 * small rational: c² + s² = 1 to double-double rounding.
 */
function randomRotation(rng: Rng): { c: DD; s: DD } {
  const t = div(dd(rng.int(-40, 40)), dd(rng.int(1, 41)));
  const denominator = add(dd(1), mul(t, t));
  return { c: div(sub(dd(1), mul(t, t)), denominator), s: div(mul(dd(2), t), denominator) };
}

/** X ← G·X on rows (or X ← X·Gᵀ on columns) for `count` random plane rotations, in double-double. */
export function rotateRandomly(rng: Rng, X: DDMatrix, count: number, side: 'rows' | 'cols'): DDMatrix {
  const data = X.data.slice();
  const size = side === 'rows' ? X.rows : X.cols;
  if (size < 2) return { ...X, data };
  for (let k = 0; k < count; k++) {
    const i = rng.int(0, size - 1);
    let j = rng.int(0, size - 2);
    if (j >= i) j++;
    const { c, s } = randomRotation(rng);
    const other = side === 'rows' ? X.cols : X.rows;
    for (let l = 0; l < other; l++) {
      const pi = side === 'rows' ? i * X.cols + l : l * X.cols + i;
      const pj = side === 'rows' ? j * X.cols + l : l * X.cols + j;
      const x = data[pi];
      const y = data[pj];
      data[pi] = sub(mul(c, x), mul(s, y));
      data[pj] = add(mul(s, x), mul(c, y));
    }
  }
  return { rows: X.rows, cols: X.cols, data };
}

/** U·diag(sigma)·Vᵀ (m×n) with U, V products of 3·(m + n) random rotations each. */
export function plantedByRotations(rng: Rng, m: number, n: number, sigma: readonly number[]): DDMatrix {
  const rotated = rotateRandomly(rng, diagonal(m, n, sigma), 3 * (m + n), 'rows');
  return rotateRandomly(rng, rotated, 3 * (m + n), 'cols');
}

/** P·diag(sigma)·Q with P, Q random signed permutations: exact in float64, as row-major numbers. */
export function plantedBySignedPermutations(rng: Rng, m: number, n: number, sigma: readonly number[]): { rows: number; cols: number; data: Float64Array } {
  const rowOf = shuffled(rng, m);
  const colOf = shuffled(rng, n);
  const data = new Float64Array(m * n);
  sigma.forEach((s, i) => (data[rowOf[i] * n + colOf[i]] = rng.next() < 0.5 ? -s : s));
  return { rows: m, cols: n, data };
}

function shuffled(rng: Rng, n: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** max |x_i − y_i| over the double-double entries of two equal-shape matrices, as a number. */
export function ddMaxDifference(X: DDMatrix, Y: DDMatrix): number {
  let worst = 0;
  for (let i = 0; i < X.data.length; i++) {
    const d = sub(X.data[i], Y.data[i]);
    worst = Math.max(worst, Math.abs(d.hi + d.lo));
  }
  return worst;
}

/** ‖XᵀX − I‖_max in double-double, for checking that a rotation product is orthogonal. */
export function ddOrthogonalityError(X: DDMatrix): number {
  let worst = 0;
  for (let i = 0; i < X.cols; i++) {
    for (let j = 0; j < X.cols; j++) {
      let acc = dd(i === j ? -1 : 0);
      for (let k = 0; k < X.rows; k++) acc = add(acc, mul(X.data[k * X.cols + i], X.data[k * X.cols + j]));
      worst = Math.max(worst, Math.abs(acc.hi + acc.lo));
    }
  }
  return worst;
}
