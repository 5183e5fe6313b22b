import type { Matrix } from './matrix';

/**
 * The most relative error one factor's one-pass R may add to every singular value of ΔW. Both
 * factors together add at most twice this, half of the 1e-10·σ1 budget of docs/accuracy.md; the
 * other half is left to the core's SVD (O(ε·κ) relative) and the input's own rounding.
 */
export const ONE_PASS_TOLERANCE = 2.5e-11;

/** u = 2⁻⁵³, the unit roundoff of float64. */
const UNIT_ROUNDOFF = Number.EPSILON / 2;

/**
 * λ of the probabilistic bound: an inner product of length n is within γ̃_n(λ) with probability
 * at least 1 − 2n·exp(−λ²(1−u)²/2), which for λ = 10 and n ≤ 1e6 is 1 − 4e-16 per Gram entry.
 */
const LAMBDA = 10;

/**
 * A bound on the relative error that R from one Cholesky of the float64 Gram G = TᵀT of a d×r
 * factor T (d = `height`) puts into every singular value of ΔW, given that R (r×r upper
 * triangular, column-major) and its inverse. docs/accuracy.md §"One pass or two" derives it:
 *
 * The computed Gram and its Cholesky factor satisfy R̂ᵀR̂ = TᵀT + E with
 * |E_ij| ≤ (γ̃_{d+1} + γ_{r+1})·‖t_i‖·‖t_j‖ (the inner products' error, Higham and Mary 2019,
 * "A new approach to probabilistic rounding error analysis", SIAM J. Sci. Comput. 41(5), with
 * γ̃_n = exp(λ√n·u + n·u²/(1−u)) − 1; Cholesky's backward error, Higham, "Accuracy and Stability
 * of Numerical Algorithms", 2nd ed., Thm 10.3, γ_n = n·u/(1 − n·u)). With D = diag(‖t_i‖) and
 * R_s = R·D⁻¹ (unit columns), R̂ᵀR̂ = Rᵀ(I + Φ)R, ‖Φ‖₂ ≤ r·(γ̃_{d+1} + γ_{r+1})·‖R_s⁻¹‖₂², so
 * R̂ = Q·(I + Φ)^½·R for an orthogonal Q and every σ of R̂·X, for any X, is within ‖Φ‖₂/2 (to
 * first order) of σ(R·X) relatively (Eisenstat and Ipsen 1995, multiplicative perturbation).
 * ‖R_s⁻¹‖₂² ≤ ‖R_s⁻¹‖₁·‖R_s⁻¹‖_∞ makes the bound computable in O(r²) from the inverse that the
 * second pass needs anyway. Column scaling is free here: a factor whose columns only differ in
 * size (a graded factor, κ(T) large but κ(R_s) small) is as exact in one pass as an orthogonal one.
 *
 * Returns ‖Φ‖₂/2, to first order; Infinity for a singular R.
 */
export function onePassError(R: Matrix, inverse: Matrix, height: number): number {
  const r = R.cols;
  if (r === 0) return 0;
  // D (the column norms of T) equals the column norms of R: R_s⁻¹ = D·R⁻¹ scales row i of R⁻¹ by d_i.
  const d = new Float64Array(r);
  for (let j = 0; j < r; j++) {
    let s = 0;
    for (let i = 0; i <= j; i++) s += R.data[j * r + i] ** 2;
    d[j] = Math.sqrt(s);
  }
  let norm1 = 0;
  const rowSums = new Float64Array(r);
  for (let j = 0; j < r; j++) {
    let column = 0;
    for (let i = 0; i <= j; i++) {
      const x = Math.abs(d[i] * inverse.data[j * r + i]);
      column += x;
      rowSums[i] += x;
    }
    norm1 = Math.max(norm1, column);
  }
  let normInf = 0;
  for (let i = 0; i < r; i++) normInf = Math.max(normInf, rowSums[i]);
  const bound = norm1 * normInf;
  if (!Number.isFinite(bound)) return Infinity;
  return (r * (probabilisticGamma(height + 1) + gamma(r + 1)) * bound) / 2;
}

/** Whether one pass is exact enough for this factor (ONE_PASS_TOLERANCE). */
export function onePassSuffices(R: Matrix, inverse: Matrix, height: number): boolean {
  return onePassError(R, inverse, height) <= ONE_PASS_TOLERANCE;
}

/** γ_n = n·u/(1 − n·u): the worst-case bound for n roundings. */
function gamma(n: number): number {
  return (n * UNIT_ROUNDOFF) / (1 - n * UNIT_ROUNDOFF);
}

/** γ̃_n(λ) of Higham and Mary (2019): n roundings with independent, mean-zero errors. */
function probabilisticGamma(n: number): number {
  return Math.expm1(LAMBDA * Math.sqrt(n) * UNIT_ROUNDOFF + (n * UNIT_ROUNDOFF ** 2) / (1 - UNIT_ROUNDOFF));
}
