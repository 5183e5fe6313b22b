import type { TopSvd } from '../analysis/randomizedSvd';
import type { DenseMatrix } from '../compute/dense';
import { applyQ, applyQt, householderFactor, triangularFactor } from '../linalg/householder';
import { transposeMultiply, type Matrix } from '../linalg/matrix';
import type { SubspaceBasis } from '../subspace/bases';

/**
 * W0's conversion matrices of one module (CondLoRA, Kim et al. 2024: LoRA factors are linear
 * images of the base weight, B = W0·C_B and A = C_Aᵀ·W0, with C similar across layers).
 *
 * Dimensions (W0 m×n, ΔW = s·B·M·A with B m×r, A r×n):
 *   C_B = argmin_C ‖W0·C − B̃‖_F  (min-norm)  = W0⁺·B̃        ∈ R^{n×r}
 *   C_A = argmin_C ‖W0ᵀ·C − Ãᵀ‖_F (min-norm) = (W0ᵀ)⁺·Ãᵀ     ∈ R^{m×r}
 * The paper's "C_A = W0⁺·Aᵀ" type-checks only for square W0 (its d×d projections); the form
 * above (docs/design.md §5) is the one that does for m ≠ n, and it says the same thing: A's
 * rows are linear combinations of W0's rows, as B's columns are of W0's columns.
 *
 * The factors are taken in ΔW's balanced SVD gauge, B̃ = X·Σ^½, Ã = Σ^½·Yᵀ (so B̃·Ã = ΔW with
 * the scale and any mixer folded in): the stored B, A are only defined up to (B·R, R⁻¹·A), and
 * a similarity of raw C's across layers would measure each layer's arbitrary R. Sign flips of a
 * singular pair flip the same column of C_B and C_A, so `product` below is unaffected by them.
 */
export interface ConversionMatrices {
  /** n×r, column-major. */
  readonly CB: Matrix;
  /** m×r, column-major. */
  readonly CA: Matrix;
  /** How W0⁺ was applied; see `conversionMatrices`. */
  readonly method: 'qr' | 'truncated';
  /** The number of W0's singular triplets used by the truncated method; min(m, n) for QR. */
  readonly rank: number;
}

/**
 * W0's with at most this many elements are solved exactly (Householder QR in float64 of the tall
 * orientation, O(m·n²) flops: about 2 s in V8 at 1024²); larger ones by the truncated
 * pseudo-inverse from the top-K SVD already computed. 4096² by QR would be ~10¹¹ flops and a
 * 128 MiB float64 copy per module.
 */
export const EXACT_LIMIT = 1024 * 1024;

/**
 * C_B and C_A for one module. Exact least squares by QR when m·n ≤ EXACT_LIMIT (assumes W0 has
 * full rank, which a trained weight does; a rank-deficient one gives huge C), else the truncated
 * pseudo-inverse W0_K⁺ = V0·Σ0⁻¹·U0ᵀ over `top`'s K triplets: the least-squares solution
 * restricted to W0's dominant subspaces, which also drops the noise-level singular values that
 * dominate an exact W0⁺ of a real weight. The method is reported beside the result. A W0 given
 * by its shape only (a streamed weight, past EXACT_LIMIT at its default bound) takes the truncated
 * method, which needs no more of W0 than `top`.
 */
export function conversionMatrices(W0: DenseMatrix | { readonly rows: number; readonly cols: number }, top: TopSvd, basis: SubspaceBasis): ConversionMatrices {
  const p = basis.rank;
  const Bt = balanced(basis.X, basis.sigma, p);
  const At = balanced(basis.Y, basis.sigma, p);
  if ('values' in W0 && W0.rows * W0.cols <= EXACT_LIMIT) return { ...exact(W0, Bt, At), method: 'qr', rank: Math.min(W0.rows, W0.cols) };
  // W0_K⁺·Z = V0·Σ0⁻¹·(U0ᵀZ);  (W0ᵀ)_K⁺·Z = U0·Σ0⁻¹·(V0ᵀZ).
  return { CB: truncated(top.V, top.values, top.U, Bt), CA: truncated(top.U, top.values, top.V, At), method: 'truncated', rank: top.values.length };
}

/** Z·Σ^½ over the first p columns. */
function balanced(Z: Matrix, sigma: ArrayLike<number>, p: number): Matrix {
  const d = Z.rows;
  const data = Z.data.slice(0, d * p);
  for (let j = 0; j < p; j++) {
    const w = Math.sqrt(sigma[j]);
    for (let i = 0; i < d; i++) data[j * d + i] *= w;
  }
  return { rows: d, cols: p, data };
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
 * (Tᵀ)⁺·Z = Q·R⁻ᵀ·Z (minimum norm). For m ≥ n, T = W0: C_B = T⁺·B̃, C_A = (Tᵀ)⁺·Ãᵀ; for m < n the
 * roles swap.
 */
function exact(W0: DenseMatrix, Bt: Matrix, At: Matrix): { CB: Matrix; CA: Matrix } {
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
  return tallIsW0 ? { CB: pinvT(Bt), CA: pinvTt(At) } : { CB: pinvTt(Bt), CA: pinvT(At) };
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
