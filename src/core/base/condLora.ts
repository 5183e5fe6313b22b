import type { TopSvd } from '../analysis/randomizedSvd';
import type { DenseMatrix } from '../compute/dense';
import { applyQ, applyQt, householderFactor, triangularFactor } from '../linalg/householder';
import { transposeMultiply, type Matrix } from '../linalg/matrix';

/**
 * The conversion matrices of one module as CondLoRA defines them (Kim et al. 2024, "A Single
 * Linear Layer Yields Task-Adapted Low-Rank Matrices"; its official analysis code:
 * CyberAgentAILab/CondLoRA, src/conversion_matrix_analysis.py, get_linears): with W0 the base
 * weight (out×in, m×n) and the stored LoRA factors B (m×r) and A (r×n),
 *   B  = W0·C_B   →  C_B = W0⁻¹·B
 *   Aᵀ = W0·C_A   →  C_A = W0⁻¹·Aᵀ
 * both with W0 on the left, as get_linears does (torch.linalg.inv(w0) times lora_B and
 * lora_A.weightᵀ). CondLoRA then generates B = W0·Θ_B and Aᵀ = W0·Θ_A with one Θ per module
 * type shared by all layers (its peft/tuners/condlora/layer.py: linear_for_lora_B(weight),
 * linear_for_lora_A(weight)ᵀ), so the conversion matrices of such an adapter are equal across
 * layers.
 *
 * The paper's form type-checks only for square W0 (its RoBERTa query/value projections). For
 * m ≠ n this module uses least squares / minimum norm, and for A the transposed form Aᵀ = W0ᵀ·C_A
 * (C_A = (W0ᵀ)⁺·Aᵀ, m×r), the only one that exists then; `aForm` says which was used. The raw
 * stored factors are used (no scale, no mixer), as the paper's code does; the subspace similarity
 * built on them (conversionSimilarity.ts) does not depend on the factors' gauge (B·R, R⁻¹·A),
 * the shared fit does, as CondLoRA's own parametrization fixes one.
 */
export interface ConversionMatrices {
  /** n×r, column-major: W0⁻¹·B (W0⁺·B for a non-square W0). */
  readonly CB: Matrix;
  /** r columns, column-major: W0⁻¹·Aᵀ (paper, square W0) or (W0ᵀ)⁺·Aᵀ (m×r, m ≠ n). */
  readonly CA: Matrix;
  /** `paper`: C_A = W0⁻¹·Aᵀ; `transposed`: C_A = (W0ᵀ)⁺·Aᵀ for a non-square W0. */
  readonly aForm: 'paper' | 'transposed';
  /** How W0's inverse was applied; see `conversionMatrices`. */
  readonly method: 'qr' | 'truncated';
  /** The number of W0's singular triplets used: min(m, n) for QR, K for the truncated method. */
  readonly rank: number;
  /**
   * Relative residuals ‖W0·C_B − B‖_F/‖B‖_F and ‖W0·C_A − Aᵀ‖_F/‖Aᵀ‖_F (W0ᵀ for the transposed
   * form): ~1e-15 for the exact solve of a square W0; for the truncated method how much of the
   * factor its rank-K inverse cannot reach, ‖(I − U_K·U_Kᵀ)·Z‖_F/‖Z‖_F — the error of what is
   * computed instead. NaN for a zero factor.
   */
  readonly residualB: number;
  readonly residualA: number;
}

/** The stored factors of one module, raw: B m×r and Aᵀ n×r, column-major. */
export interface RawFactors {
  readonly B: Matrix;
  readonly At: Matrix;
}

/**
 * W0's with at most this many elements are solved exactly (Householder QR in float64 of the tall
 * orientation, O(m·n²) flops: about 2 s in V8 at 1024²); larger ones by the truncated
 * pseudo-inverse from the top-K SVD already computed, with its residual reported. 4096² by QR
 * would be ~10¹¹ flops and a 128 MiB float64 copy per module.
 */
export const EXACT_LIMIT = 1024 * 1024;

/**
 * C_B and C_A for one module. Exact by QR when m·n ≤ EXACT_LIMIT (assumes W0 has full rank, which a
 * trained weight does; a rank-deficient one gives huge C). Past it — or for a W0 given by its
 * shape only (a streamed weight) — the truncated pseudo-inverse W0_K⁺ = V0·Σ0⁻¹·U0ᵀ over `top`'s
 * K triplets: not the paper's quantity, so the method and the residuals say what was computed
 * and how far it is from solving B = W0·C_B, Aᵀ = W0·C_A.
 */
export function conversionMatrices(W0: DenseMatrix | { readonly rows: number; readonly cols: number }, top: TopSvd, factors: RawFactors): ConversionMatrices {
  const { B, At } = factors;
  const square = W0.rows === W0.cols;
  const aForm = square ? 'paper' : 'transposed';
  if ('values' in W0 && W0.rows * W0.cols <= EXACT_LIMIT) {
    const { CB, CA } = exact(W0, B, At, square);
    return { CB, CA, aForm, method: 'qr', rank: Math.min(W0.rows, W0.cols), residualB: residual(W0, CB, B, false), residualA: residual(W0, CA, At, !square) };
  }
  // W0_K⁺·Z = V0·Σ0⁻¹·(U0ᵀZ), and W0·W0_K⁺·Z = U0·U0ᵀZ;  (W0ᵀ)_K⁺·Z = U0·Σ0⁻¹·(V0ᵀZ), W0ᵀ·(W0ᵀ)_K⁺·Z = V0·V0ᵀZ.
  const CB = truncated(top.V, top.values, top.U, B);
  const CA = square ? truncated(top.V, top.values, top.U, At) : truncated(top.U, top.values, top.V, At);
  return { CB, CA, aForm, method: 'truncated', rank: top.values.length, residualB: outside(top.U, B), residualA: outside(square ? top.U : top.V, At) };
}

/** ‖W0·C − Z‖_F/‖Z‖_F (W0ᵀ·C when `transposed`), W0 row-major. */
function residual(W0: DenseMatrix, C: Matrix, Z: Matrix, transposed: boolean): number {
  const { rows: m, cols: n, values } = W0;
  const d = transposed ? n : m;
  let num = 0;
  let den = 0;
  for (let c = 0; c < Z.cols; c++) {
    const x = C.data.subarray(c * C.rows, (c + 1) * C.rows);
    const y = new Float64Array(d);
    if (transposed) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) y[j] += values[i * n + j] * x[i];
    else for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) y[i] += values[i * n + j] * x[j];
    for (let i = 0; i < d; i++) {
      const z = Z.data[c * d + i];
      num += (y[i] - z) ** 2;
      den += z * z;
    }
  }
  return den > 0 ? Math.sqrt(num / den) : NaN;
}

/** ‖(I − Q·Qᵀ)·Z‖_F/‖Z‖_F for Q with orthonormal columns. */
function outside(Q: Matrix, Z: Matrix): number {
  const S = transposeMultiply(Q, Z);
  let num = 0;
  let den = 0;
  for (let c = 0; c < Z.cols; c++) {
    for (let i = 0; i < Z.rows; i++) {
      let p = 0;
      for (let j = 0; j < Q.cols; j++) p += Q.data[j * Q.rows + i] * S.data[c * S.rows + j];
      const z = Z.data[c * Z.rows + i];
      num += (z - p) ** 2;
      den += z * z;
    }
  }
  return den > 0 ? Math.sqrt(num / den) : NaN;
}

/** L·Σ⁻¹·(RᵀZ) for L, R with orthonormal columns and σ > 0 (zero σ dropped). */
function truncated(L: Matrix, sigma: ArrayLike<number>, R: Matrix, Z: Matrix): Matrix {
  const S = transposeMultiply(R, Z);
  const K = S.rows;
  const out = new Float64Array(L.rows * Z.cols);
  for (let c = 0; c < Z.cols; c++) {
    for (let j = 0; j < K; j++) {
      if (!(sigma[j] > 0)) continue;
      const w = S.data[c * K + j] / sigma[j];
      for (let i = 0; i < L.rows; i++) out[c * L.rows + i] += w * L.data[j * L.rows + i];
    }
  }
  return { rows: L.rows, cols: Z.cols, data: out };
}

/**
 * With T the tall one of W0, W0ᵀ (d×e, d ≥ e) and T = Q·R: T⁺·Z = R⁻¹·QᵀZ (least squares) and
 * (Tᵀ)⁺·Z = Q·R⁻ᵀ·Z (minimum norm). For m ≥ n, T = W0: C_B = T⁺·B and C_A = T⁻¹·Aᵀ (square, the
 * paper's form) or (Tᵀ)⁺·Aᵀ; for m < n the roles swap.
 */
function exact(W0: DenseMatrix, B: Matrix, At: Matrix, square: boolean): { CB: Matrix; CA: Matrix } {
  const { rows: m, cols: n, values } = W0;
  const tallIsW0 = m >= n;
  const [d, e] = tallIsW0 ? [m, n] : [n, m];
  // Column-major T: for T = W0 (row-major m×n) element (i, j) is values[i·n + j]; for T = W0ᵀ
  // the row-major data already is T column-major.
  const T = new Float64Array(d * e);
  if (tallIsW0) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) T[j * m + i] = values[i * n + j];
  else T.set(values);
  const f = householderFactor({ rows: d, cols: e, data: T });
  const R = triangularFactor(f);
  const pinvT = (Z: Matrix) => solveUpper(R, applyQt(f, Z));
  const pinvTt = (Z: Matrix) => applyQ(f, solveUpperTransposed(R, Z));
  return tallIsW0 ? { CB: pinvT(B), CA: square ? pinvT(At) : pinvTt(At) } : { CB: pinvTt(B), CA: pinvT(At) };
}

/** R⁻¹·Z for upper-triangular R (e×e, column-major). */
function solveUpper(R: Matrix, Z: Matrix): Matrix {
  const e = R.cols;
  const out = Z.data.slice();
  for (let c = 0; c < Z.cols; c++) {
    const x = out.subarray(c * e, (c + 1) * e);
    for (let i = e - 1; i >= 0; i--) {
      let s = x[i];
      for (let j = i + 1; j < e; j++) s -= R.data[j * e + i] * x[j];
      x[i] = s / R.data[i * e + i];
    }
  }
  return { rows: e, cols: Z.cols, data: out };
}

/** R⁻ᵀ·Z for upper-triangular R. */
function solveUpperTransposed(R: Matrix, Z: Matrix): Matrix {
  const e = R.cols;
  const out = Z.data.slice();
  for (let c = 0; c < Z.cols; c++) {
    const x = out.subarray(c * e, (c + 1) * e);
    for (let i = 0; i < e; i++) {
      let s = x[i];
      for (let j = 0; j < i; j++) s -= R.data[i * e + j] * x[j];
      x[i] = s / R.data[i * e + i];
    }
  }
  return { rows: e, cols: Z.cols, data: out };
}
