import type { TallFactor } from '../../src/core/compute/backend';
import type { Matrix } from '../../src/core/linalg/matrix';
import { shuffled } from './linalgChecks';
import type { Rng } from './random';
import type { Dense } from './referenceSvd';

/** Random factor pairs for spectrum tests, as row-major Dense (the layout files store). */

export function gaussian(rng: Rng, rows: number, cols: number, scale = 1): Dense {
  const data = rng.gaussians(rows * cols);
  if (scale !== 1) for (let i = 0; i < data.length; i++) data[i] *= scale;
  return { rows, cols, data };
}

/** Log-spaced values from 1 down to `spread`⁻¹, k of them. */
export function logSpaced(k: number, spread: number): Float64Array {
  return Float64Array.from({ length: k }, (_, i) => (k === 1 ? 1 : spread ** (-i / (k - 1))));
}

/** X·diag(d) (scales columns) for row-major X. */
export function scaleColumns(X: Dense, d: ArrayLike<number>): Dense {
  const data = X.data.slice();
  for (let i = 0; i < X.rows; i++) for (let j = 0; j < X.cols; j++) data[i * X.cols + j] *= d[j];
  return { rows: X.rows, cols: X.cols, data };
}

/** diag(d)·Y (scales rows) for row-major Y. */
export function scaleRows(Y: Dense, d: ArrayLike<number>): Dense {
  const data = Y.data.slice();
  for (let i = 0; i < Y.rows; i++) for (let j = 0; j < Y.cols; j++) data[i * Y.cols + j] *= d[i];
  return { rows: Y.rows, cols: Y.cols, data };
}

/**
 * B = X·D, A = D·Y with X, Y Gaussian: ΔW's singular values spread over `spread` (D² spans
 * it). The components come largest-first, smallest-first or shuffled: files promise no order.
 */
export function gradedPair(rng: Rng, m: number, n: number, r: number, spread: number, order: 'decreasing' | 'increasing' | 'random' = 'decreasing'): { B: Dense; A: Dense } {
  let d = logSpaced(r, Math.sqrt(spread));
  if (order === 'increasing') d.reverse();
  if (order === 'random') d = shuffled(rng, d);
  return { B: scaleColumns(gaussian(rng, m, r), d), A: scaleRows(gaussian(rng, r, n), d) };
}

/** The transpose of a row-major matrix. */
export function transposeDense(X: Dense): Dense {
  const data = new Float64Array(X.rows * X.cols);
  for (let i = 0; i < X.rows; i++) for (let j = 0; j < X.cols; j++) data[j * X.rows + i] = X.data[i * X.cols + j];
  return { rows: X.cols, cols: X.rows, data };
}

/** Plain float64 product of row-major matrices (rounded: for building inputs, not references). */
export function multiplyDense(X: Dense, Y: Dense): Dense {
  const data = new Float64Array(X.rows * Y.cols);
  for (let i = 0; i < X.rows; i++) {
    for (let k = 0; k < X.cols; k++) {
      const x = X.data[i * X.cols + k];
      for (let j = 0; j < Y.cols; j++) data[i * Y.cols + j] += x * Y.data[k * Y.cols + j];
    }
  }
  return { rows: X.rows, cols: Y.cols, data };
}

/** Inverse of a small square row-major matrix by Gauss–Jordan with partial pivoting. */
export function inverse(R: Dense): Dense {
  const n = R.rows;
  const a = R.data.slice();
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(a[i * n + c]) > Math.abs(a[pivot * n + c])) pivot = i;
    for (let j = 0; j < n; j++) {
      [a[c * n + j], a[pivot * n + j]] = [a[pivot * n + j], a[c * n + j]];
      [inv[c * n + j], inv[pivot * n + j]] = [inv[pivot * n + j], inv[c * n + j]];
    }
    const d = a[c * n + c];
    for (let j = 0; j < n; j++) {
      a[c * n + j] /= d;
      inv[c * n + j] /= d;
    }
    for (let i = 0; i < n; i++) {
      if (i === c) continue;
      const f = a[i * n + c];
      for (let j = 0; j < n; j++) {
        a[i * n + j] -= f * a[c * n + j];
        inv[i * n + j] -= f * inv[c * n + j];
      }
    }
  }
  return { rows: n, cols: n, data: inv };
}

/** Column-major copy of a row-major matrix, as src/core/linalg takes it. */
export function toColumnMajor(X: Dense): Matrix {
  const data = new Float64Array(X.rows * X.cols);
  for (let i = 0; i < X.rows; i++) for (let j = 0; j < X.cols; j++) data[j * X.rows + i] = X.data[i * X.cols + j];
  return { rows: X.rows, cols: X.cols, data };
}

/**
 * The factors as the spectrum route takes them, as a file would store them: B (m×r) row-major
 * (`tall`) and A (r×n) row-major, which is Aᵀ `wide`.
 */
export function spectrumInputs(B: Dense, A: Dense, M?: Dense): { B: TallFactor; At: TallFactor; M?: Matrix } {
  const tallB: TallFactor = { rows: B.rows, cols: B.cols, layout: 'tall', values: B.data.slice() };
  const At: TallFactor = { rows: A.cols, cols: A.rows, layout: 'wide', values: A.data.slice() };
  return M ? { B: tallB, At, M: toColumnMajor(M) } : { B: tallB, At };
}

/** Largest relative error over the σ at or above `floor`·σ1, with the index where it occurs. */
export function worstRelativeError(got: ArrayLike<number>, want: ArrayLike<number>, floor: number): { error: number; index: number } {
  let error = 0;
  let index = -1;
  for (let i = 0; i < want.length; i++) {
    if (want[i] < floor * want[0]) continue;
    const e = Math.abs(got[i] - want[i]) / want[i];
    if (e > error) {
      error = e;
      index = i;
    }
  }
  return { error, index };
}
