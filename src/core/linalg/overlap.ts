import { householderR } from './householder';
import { transposeMultiply, type Matrix } from './matrix';

/**
 * How two orthonormal bases Q1 (d×q1) and Q2 (d×q2) of subspaces of R^d relate, in r-sized
 * pieces: the cross products C = Q1ᵀ·Q2 and the triangular factor R_Z of the residual
 * Z = Q2 − Q1·C = Q_Z·R_Z. Then [Q1 Q2] = [Q1 Q_Z]·[[I, C], [0, R_Z]] with [Q1 Q_Z]
 * orthonormal: the R of the stacked bases without a QR of the d×(q1 + q2) stack. Everything a
 * comparison of two subspaces needs (principal angles, the sines of small ones, ‖ΔW1 − ΔW2‖)
 * is small work on C and R_Z. R_Z carries what C cannot: ZᵀZ = I − CᵀC cancels when the
 * subspaces nearly coincide, so Z must be formed in R^d and its R taken column-wise stably.
 */
export interface BasisOverlap {
  /** Q1ᵀ·Q2, q1×q2, column-major, accurate to ~ε absolutely. */
  readonly cross: Matrix;
  /** R_Z, upper trapezoidal with q2 columns (min(d, q2) rows), column-major. */
  readonly residual: Matrix;
}

/**
 * The overlap of explicit orthonormal bases (column-major d×q1 and d×q2): C by dot products,
 * Z = Q2 − Q1·C in float64, R_Z by Householder QR. Cost O(d·q1·q2 + d·q2²). The inputs are not
 * modified.
 */
export function overlapOf(Q1: Matrix, Q2: Matrix): BasisOverlap {
  if (Q1.rows !== Q2.rows) throw new RangeError(`bases of R^${Q1.rows} and R^${Q2.rows}`);
  const d = Q1.rows;
  const cross = transposeMultiply(Q1, Q2);
  const Z = Q2.data.slice();
  for (let j = 0; j < Q2.cols; j++) {
    for (let l = 0; l < Q1.cols; l++) {
      const c = cross.data[j * Q1.cols + l];
      if (c === 0) continue;
      const src = l * d;
      const dst = j * d;
      for (let i = 0; i < d; i++) Z[dst + i] -= Q1.data[src + i] * c;
    }
  }
  return { cross, residual: householderR({ rows: d, cols: Q2.cols, data: Z }) };
}
