import type { Matrix } from './matrix';

/**
 * Cholesky factorization G = Rᵀ·R of a small symmetric positive definite matrix (r×r,
 * column-major; only the upper triangle is read), for CholeskyQR: the Gram matrix of a tall
 * factor comes from a device product, its Cholesky factor here in float64.
 *
 * Returns null when G is not numerically positive definite (a pivot ≤ r·ε·max diag): the
 * factor is then too ill-conditioned for CholeskyQR (κ ≳ 1e8) and the caller falls back to
 * Householder QR, which has no such limit.
 */
export function cholesky(G: Matrix): Matrix | null {
  const r = G.rows;
  if (G.cols !== r) throw new RangeError(`Cholesky needs a square matrix, got ${G.rows}×${G.cols}`);
  let maxDiag = 0;
  for (let i = 0; i < r; i++) maxDiag = Math.max(maxDiag, G.data[i * r + i]);
  const floor = r * Number.EPSILON * maxDiag;
  const R = new Float64Array(r * r);
  for (let j = 0; j < r; j++) {
    // Column j of R (rows 0..j): R[i][j] = (G[i][j] − Σ_{k<i} R[k][i]·R[k][j]) / R[i][i].
    for (let i = 0; i <= j; i++) {
      let s = G.data[j * r + i];
      for (let k = 0; k < i; k++) s -= R[i * r + k] * R[j * r + k];
      if (i < j) {
        R[j * r + i] = s / R[i * r + i];
      } else {
        if (!(s > floor)) return null;
        R[j * r + j] = Math.sqrt(s);
      }
    }
  }
  return { rows: r, cols: r, data: R };
}

/** The inverse of an upper triangular r×r matrix (column-major), itself upper triangular. */
export function invertUpper(R: Matrix): Matrix {
  const r = R.rows;
  const X = new Float64Array(r * r);
  for (let j = 0; j < r; j++) {
    X[j * r + j] = 1 / R.data[j * r + j];
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let k = i + 1; k <= j; k++) s += R.data[k * r + i] * X[j * r + k];
      X[j * r + i] = -s / R.data[i * r + i];
    }
  }
  return { rows: r, cols: r, data: X };
}

/** R2·R1 for upper triangular factors (the CholeskyQR2 result R = R2·R1). */
export function multiplyUpper(R2: Matrix, R1: Matrix): Matrix {
  const r = R1.rows;
  const out = new Float64Array(r * r);
  for (let j = 0; j < r; j++) {
    for (let i = 0; i <= j; i++) {
      let s = 0;
      for (let k = i; k <= j; k++) s += R2.data[k * r + i] * R1.data[j * r + k];
      out[j * r + i] = s;
    }
  }
  return { rows: r, cols: r, data: out };
}
