import type { AdaptedModule } from '../adapter/model';
import { isModuleNumericFailure } from '../analysis/factorErrors';
import { readLowRank } from '../analysis/factors';
import { applyQ, householderFactor, triangularFactor } from '../linalg/householder';
import { multiply, type Matrix } from '../linalg/matrix';
import { productSvd } from '../linalg/productSvd';
import { columnNorm } from '../linalg/svd';
import type { TensorSource } from '../container/source';

/**
 * ΔW of one module in orthonormal bases: ΔW = X·diag(σ)·Yᵀ, a thin SVD never formed as a
 * matrix. Column-major, float64.
 */
export interface SubspaceBasis {
  /** [m, n] of ΔW. */
  readonly shape: readonly [number, number];
  /** Left singular vectors, m×p with orthonormal columns (‖XᵀX − I‖ ~ m·ε): the column space. */
  readonly X: Matrix;
  /** Right singular vectors, n×p with orthonormal columns: the row space. */
  readonly Y: Matrix;
  /** Singular values of ΔW (scale included), descending, p = min(m, n, r) of them. */
  readonly sigma: Float64Array;
  /** ‖ΔW‖_F = ‖σ‖₂. */
  readonly norm: number;
  /**
   * How many σ exceed σ₁·max(m, n)·ε (the usual numerical-rank tolerance): singular vectors
   * past it are rounding noise (or, for exact zeros, an arbitrary orthonormal completion), so
   * principal angles are only taken over this many leading columns.
   */
  readonly rank: number;
}

/**
 * docs/design.md §1 and §4: with B = Q_B·R_B and Aᵀ = Q_A·R_A (thin Householder QR), ΔW =
 * Q_B·(s·R_B·M·R_Aᵀ)·Q_Aᵀ; the core's SVD U·Σ·Vᵀ (productSvd, which never forms the core, so
 * graded factors keep their small σ) gives X = Q_B·U and Y = Q_A·V. Cost O((m + n)·r²).
 *
 * `B` is m×r and `At` (= Aᵀ) n×r, column-major; `M` the r×r mixer (MoSLoRA, AdaLoRA's diag(E))
 * or undefined for the identity; `scale` is s (a negative s flips X's signs, never σ).
 * The inputs are not modified. Every quantity built from the result is invariant under
 * (B, A) → (B·R, R⁻¹·A) up to the conditioning of R (the QR is backward stable column-wise).
 */
export function basisOf(B: Matrix, At: Matrix, M: Matrix | undefined, scale: number): SubspaceBasis {
  if (B.cols !== At.cols) throw new RangeError(`B is ${B.rows}×${B.cols} but Aᵀ is ${At.rows}×${At.cols}`);
  const fB = householderFactor({ rows: B.rows, cols: B.cols, data: B.data.slice() });
  const fA = householderFactor({ rows: At.rows, cols: At.cols, data: At.data.slice() });
  const core = coreBasis(triangularFactor(fB), triangularFactor(fA), M, scale, [B.rows, At.rows]);
  return { shape: core.shape, X: applyQ(fB, core.U), Y: applyQ(fA, core.V), sigma: core.sigma, norm: core.norm, rank: core.rank };
}

/**
 * ΔW = Q_B·U·diag(σ)·Vᵀ·Q_Aᵀ with the tall orthonormal Q_B, Q_A left implicit: what a
 * comparison needs beside the overlaps of the Q's (see compareCores), all r-sized.
 */
export interface CoreBasis {
  /** [m, n] of ΔW. */
  readonly shape: readonly [number, number];
  /** Left singular vectors of the core, q_B×p (q_B = R_B's rows), orthonormal columns. */
  readonly U: Matrix;
  /** Right singular vectors of the core, q_A×p. */
  readonly V: Matrix;
  /** As SubspaceBasis. */
  readonly sigma: Float64Array;
  readonly norm: number;
  readonly rank: number;
}

/**
 * The core's SVD from the triangular factors (B = Q_B·R_B, Aᵀ = Q_A·R_A): s·R_B·M·R_Aᵀ =
 * U·Σ·Vᵀ by productSvd (the core is never formed, so graded factors keep their small σ).
 * `RB` is q_B×r, `RA` q_A×r, column-major; `M` r×r or undefined for the identity.
 */
export function coreBasis(RB: Matrix, RA: Matrix, M: Matrix | undefined, scale: number, shape: readonly [number, number]): CoreBasis {
  const { U, V, sigma } = coreSvd(coreLeftFactor(RB, M, scale), RA);
  return { shape, U, V, sigma, norm: columnNorm(sigma, 0, sigma.length), rank: numericalRank(sigma, Math.max(shape[0], shape[1])) };
}

/** F = s·R_B·M (M the identity when undefined): the core s·R_B·M·R_Aᵀ is F·R_Aᵀ. */
export function coreLeftFactor(RB: Matrix, M: Matrix | undefined, scale: number): Matrix {
  const left = M ? multiply(RB, M) : RB;
  return { rows: left.rows, cols: left.cols, data: left.data.map((x) => x * scale) };
}

/** The SVD of the core F·R_Aᵀ (productSvd, never forming it): U, V and the p = U.cols values. */
export function coreSvd(F: Matrix, RA: Matrix): { readonly U: Matrix; readonly V: Matrix; readonly sigma: Float64Array } {
  const svd = productSvd(F, RA, true);
  if (!svd.U || !svd.V) throw new Error('productSvd returned no vectors');
  return { U: svd.U, V: svd.V, sigma: svd.values.slice(0, svd.U.cols) };
}

/** #{σ_i > σ₁·d·ε}: numpy's and LAPACK's default tolerance for a d-sized matrix. */
function numericalRank(sigma: ArrayLike<number>, d: number): number {
  if (sigma.length === 0 || !(sigma[0] > 0)) return 0;
  const tol = sigma[0] * d * Number.EPSILON;
  let k = 0;
  while (k < sigma.length && sigma[k] > tol) k++;
  return k;
}

/** A module's basis, or the reason it has none (never thrown: comparisons list it instead). */
export type BasisResult = { readonly basis: SubspaceBasis } | { readonly reason: string };

/**
 * Reads a module's factors and returns its basis. Only low-rank factors (LoRA, DoRA's low-rank
 * part, MoSLoRA, AdaLoRA, kohya LoCon incl. Tucker) are supported; LoHa and LoKr are reported
 * as not supported for subspace comparison, and broken data (NaN, a missing tensor) by its
 * reason.
 */
export async function readBasis(file: TensorSource, module: AdaptedModule): Promise<BasisResult> {
  const f = module.factors;
  if (!f) return { reason: module.warnings.join('; ') || 'factors missing' };
  if (f.type !== 'lowRank') return { reason: `${f.type === 'hadamard' ? 'LoHa' : 'LoKr'} factors: not supported for subspace comparison` };
  try {
    const data = await readLowRank(file, f, 'float64-wide');
    const B: Matrix = { rows: data.B.rows, cols: data.B.cols, data: data.B.values as Float64Array };
    const At: Matrix = { rows: data.At.rows, cols: data.At.cols, data: data.At.values as Float64Array };
    return { basis: basisOf(B, At, data.M, module.scale) };
  } catch (error) {
    if (isModuleNumericFailure(error)) return { reason: error.message };
    throw error;
  }
}
