import type { LinearOperator, TopSvd } from '../analysis/randomizedSvd';
import type { Matrix } from '../linalg/matrix';

/**
 * Bounds on the angle between each computed singular vector pair (u_i, v_i) of W and the true
 * one, from residuals and gaps (Wedin 1972): with r_i = max(‖W·v_i − σ̂_i·u_i‖, ‖Wᵀ·u_i − σ̂_i·v_i‖)
 * and δ_i the distance from σ̂_i to the other singular values, sin θ_i ≤ r_i / δ_i (reported
 * capped at 1). δ_i is taken from the computed neighbours σ̂_{i−1}, σ̂_{i+1}; for the last one
 * the caller supplies σ̂_{count+1} through `top` holding one triplet more than it tests (0 when
 * W has no more). Randomized iteration gives accurate values long before accurate vectors when
 * the spectrum is flat: this says which vectors can be trusted. Costs two products with `count`
 * columns.
 */
export async function vectorErrorBounds(W: LinearOperator, top: TopSvd, count: number): Promise<Float64Array> {
  const { U, V, values } = top;
  const n = Math.min(count, values.length);
  const Vn: Matrix = { rows: V.rows, cols: n, data: V.data.subarray(0, V.rows * n) };
  const Un: Matrix = { rows: U.rows, cols: n, data: U.data.subarray(0, U.rows * n) };
  const left = await W.times(Vn);
  const right = await W.timesTransposed(Un);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = Math.max(residual(left, U, values[i], i), residual(right, V, values[i], i));
    const next = i + 1 < values.length ? values[i + 1] : 0;
    const gap = Math.min(i > 0 ? values[i - 1] - values[i] : Infinity, values[i] - next);
    out[i] = gap > 0 ? Math.min(1, r / gap) : 1;
  }
  return out;
}

/** ‖P[:, i] − σ·Q[:, i]‖. */
function residual(P: Matrix, Q: Matrix, sigma: number, i: number): number {
  const d = P.rows;
  let s = 0;
  for (let t = 0; t < d; t++) s += (P.data[i * d + t] - sigma * Q.data[i * d + t]) ** 2;
  return Math.sqrt(s);
}
