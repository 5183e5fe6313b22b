import type { LinearOperator } from '../analysis/randomizedSvd';
import type { Matrix } from '../linalg/matrix';

/**
 * W0 + X·diag(σ)·Yᵀ as an operator, never formed: (W0 + XΣYᵀ)·Z = W0·Z + X·(Σ·(YᵀZ)), and the
 * transpose likewise. X is m×p, Y n×p (column-major, any p); the extra cost per product is
 * O((m + n)·p·l) on top of W0's O(m·n·l). Used for the top singular vectors of the finetuned
 * weight W0 + ΔW (intruder dimensions) at the cost of W0's alone.
 */
export function lowRankUpdate(W0: LinearOperator, X: Matrix, sigma: ArrayLike<number>, Y: Matrix): LinearOperator {
  if (X.rows !== W0.rows || Y.rows !== W0.cols || X.cols !== Y.cols) {
    throw new RangeError(`W0 is ${W0.rows}×${W0.cols} but X is ${X.rows}×${X.cols} and Y ${Y.rows}×${Y.cols}`);
  }
  return {
    rows: W0.rows,
    cols: W0.cols,
    times: async (Z) => addLowRank(await W0.times(Z), X, sigma, Y, Z),
    timesTransposed: async (Z) => addLowRank(await W0.timesTransposed(Z), Y, sigma, X, Z),
    ...(W0.unitRoundoff === undefined ? {} : { unitRoundoff: W0.unitRoundoff }),
  };
}

/** out += L·diag(σ)·(Rᵀ·Z), in place; returns out. */
function addLowRank(out: Matrix, L: Matrix, sigma: ArrayLike<number>, R: Matrix, Z: Matrix): Matrix {
  const p = L.cols;
  const d = R.rows;
  const m = L.rows;
  for (let c = 0; c < Z.cols; c++) {
    const z = Z.data.subarray(c * d, (c + 1) * d);
    const o = out.data.subarray(c * m, (c + 1) * m);
    for (let j = 0; j < p; j++) {
      const rj = R.data.subarray(j * d, (j + 1) * d);
      let dot = 0;
      for (let i = 0; i < d; i++) dot += rj[i] * z[i];
      const w = dot * sigma[j];
      if (w === 0) continue;
      const lj = L.data.subarray(j * m, (j + 1) * m);
      for (let i = 0; i < m; i++) o[i] += w * lj[i];
    }
  }
  return out;
}
