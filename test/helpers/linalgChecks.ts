import type { Matrix } from '../../src/core/linalg/matrix';
import type { Rng } from './random';
import type { DDMatrix, Dense } from './referenceSvd';

/**
 * Plain float64 measurements for the linalg tests, written out here rather than taken from
 * src/core/linalg so that a bug there cannot hide itself in its own check.
 */

/** ‖X‖_F of a column-major matrix. */
export function frobenius(X: Matrix): number {
  let s = 0;
  for (const x of X.data) s += x * x;
  return Math.sqrt(s);
}

/** Column-major X·Y. */
export function product(X: Matrix, Y: Matrix): Matrix {
  const out = new Float64Array(X.rows * Y.cols);
  for (let j = 0; j < Y.cols; j++) for (let l = 0; l < X.cols; l++) for (let i = 0; i < X.rows; i++) out[j * X.rows + i] += X.data[l * X.rows + i] * Y.data[j * Y.rows + l];
  return { rows: X.rows, cols: Y.cols, data: out };
}

/** ‖U·diag(σ)·Vᵀ − A‖_F for column-major U (m×k), V (n×k), A (m×n). */
export function reconstructionError(U: Matrix, sigma: ArrayLike<number>, V: Matrix, A: Matrix): number {
  let s = 0;
  for (let j = 0; j < A.cols; j++) {
    for (let i = 0; i < A.rows; i++) {
      let x = -A.data[j * A.rows + i];
      for (let c = 0; c < U.cols; c++) x += U.data[c * U.rows + i] * sigma[c] * V.data[c * V.rows + j];
      s += x * x;
    }
  }
  return Math.sqrt(s);
}

/**
 * max |(XᵀX − I)_ij| for column-major X: the largest cosine between two columns, or the largest
 * deviation of a column norm from 1. This is what Jacobi's stopping test bounds (|cos| ≤ m·ε).
 */
export function orthonormalityError(X: Matrix): number {
  let worst = 0;
  for (let a = 0; a < X.cols; a++) {
    for (let b = 0; b < X.cols; b++) {
      let dot = a === b ? -1 : 0;
      for (let i = 0; i < X.rows; i++) dot += X.data[a * X.rows + i] * X.data[b * X.rows + i];
      worst = Math.max(worst, Math.abs(dot));
    }
  }
  return worst;
}

/** Row-major float64 matrix as a double-double matrix (exact). */
export const asDD = (X: Dense): DDMatrix => ({ rows: X.rows, cols: X.cols, data: Array.from(X.data, (x) => ({ hi: x, lo: 0 })) });

/** Column-major float64 matrix as a row-major double-double matrix (exact). */
export function columnMajorAsDD(X: Matrix): DDMatrix {
  const data = [];
  for (let i = 0; i < X.rows; i++) for (let j = 0; j < X.cols; j++) data.push({ hi: X.data[j * X.rows + i], lo: 0 });
  return { rows: X.rows, cols: X.cols, data };
}

/** A random permutation of `values` (Fisher–Yates). */
export function shuffled(rng: Rng, values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Largest relative error over all σ (zeros must match exactly, within `absolute`). */
export function relativeErrors(got: ArrayLike<number>, want: ArrayLike<number>, absolute = 0): { error: number; index: number } {
  let error = 0;
  let index = -1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    const e = want[i] === 0 ? (d <= absolute ? 0 : Infinity) : d / want[i];
    if (e > error) {
      error = e;
      index = i;
    }
  }
  return { error, index };
}
