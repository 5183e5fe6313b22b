import type { Matrix } from '../linalg/matrix';
import { multiply, transpose } from '../linalg/matrix';
import { coreLeftFactor, coreSvd } from '../subspace/bases';

/**
 * What a module's truncation needs once its factors' triangular factors are known: the exact
 * spectrum and the r×k maps that turn B and Aᵀ into the truncated factors. All small (r×r).
 *
 * With B = Q_B·R_B, Aᵀ = Q_A·R_A and the core F·R_Aᵀ = U·Σ·Vᵀ (F = s·R_B·M), ΔW = X·Σ·Yᵀ with
 * X = Q_B·U, Y = Q_A·V (docs/design.md §1). Since ΔW·Y_k = X_k·Σ_k and ΔWᵀ·X_k = Y_k·Σ_k,
 *   X_k·Σ_k = s·B·M·R_Aᵀ·V_k   and   Y_k·Σ_k = Aᵀ·Fᵀ·U_k,
 * so B' = X_k·Σ_k^½ = B·T_B and A'ᵀ = Y_k·Σ_k^½ = Aᵀ·T_A with T_B = s·M·R_Aᵀ·V_k·Σ_k^-½ and
 * T_A = Fᵀ·U_k·Σ_k^-½: the tall factors are read once more and multiplied by r×k matrices, never
 * factorized twice. The 1/σ in T cancels against the σ in ΔW·Y, so each kept component of
 * B'·A' carries an absolute error of order ε·‖B‖·‖s·M·A‖, as a product of the stored factors
 * would; components with σ at or below the numerical-rank tolerance are written as zeros
 * (they are rounding noise, and 1/σ would amplify it).
 */
export interface TruncationBasis {
  /** σ of ΔW, scale included, descending. */
  readonly sigma: Float64Array;
  /** s·M·R_Aᵀ (r×k2) and its partner Fᵀ = s·Mᵀ·R_Bᵀ (r×k1). */
  readonly left: Matrix;
  readonly right: Matrix;
  /** U (k1×p) and V (k2×p) of the core. */
  readonly U: Matrix;
  readonly V: Matrix;
  /** max(m, n), for the numerical-rank tolerance. */
  readonly size: number;
}

/**
 * The spectrum and truncation maps from R_B (k1×r), R_A (k2×r), the mixer M (r×r, column-major,
 * undefined for the identity) and the scale s. The singular values are productSvd's, the same
 * ones the spectrum view shows.
 */
export function truncationBasis(RB: Matrix, RA: Matrix, M: Matrix | undefined, scale: number, shape: readonly [number, number]): TruncationBasis {
  const F = coreLeftFactor(RB, M, scale);
  const { U, V, sigma } = coreSvd(F, RA);
  // s·M·R_Aᵀ = (s·R_A·Mᵀ)ᵀ
  const RAt = transpose(RA);
  const sMRAt = M ? multiply(M, RAt) : RAt;
  const left: Matrix = { rows: sMRAt.rows, cols: sMRAt.cols, data: sMRAt.data.map((x) => x * scale) };
  return { sigma, left, right: transpose(F), U, V, size: Math.max(shape[0], shape[1]) };
}

/**
 * T_B (r×k) and T_A (r×k) for keeping k components and writing them under the output scale
 * sOut (> 0): s_out·B'·A' equals the rank-k truncation of ΔW. Columns of components whose σ is
 * at or below σ₁·max(m, n)·ε are zero.
 */
export function truncationMaps(basis: TruncationBasis, k: number, sOut: number): { readonly TB: Matrix; readonly TA: Matrix } {
  const { sigma, U, V } = basis;
  const tol = sigma.length > 0 ? sigma[0] * basis.size * Number.EPSILON : 0;
  const weights = new Float64Array(k);
  for (let i = 0; i < k; i++) weights[i] = i < sigma.length && sigma[i] > tol ? 1 / Math.sqrt(sigma[i] * sOut) : 0;
  return { TB: scaledProduct(basis.left, V, weights), TA: scaledProduct(basis.right, U, weights) };
}

/** L·W[:, :k]·diag(w) for L r×q, W q×p. */
function scaledProduct(L: Matrix, W: Matrix, w: Float64Array): Matrix {
  const k = w.length;
  const r = L.rows;
  const q = L.cols;
  const out = new Float64Array(r * k);
  for (let j = 0; j < k; j++) {
    if (w[j] === 0) continue;
    for (let l = 0; l < q; l++) {
      const c = W.data[j * W.rows + l] * w[j];
      if (c === 0) continue;
      const src = l * r;
      const dst = j * r;
      for (let i = 0; i < r; i++) out[dst + i] += L.data[src + i] * c;
    }
  }
  return { rows: r, cols: k, data: out };
}
