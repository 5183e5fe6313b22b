import type { LinearOperator, TopSvd } from '../analysis/randomizedSvd';
import { denseSvd } from '../linalg/denseSvd';
import { frobeniusNorm, transposeMultiply, type Matrix } from '../linalg/matrix';
import { leading } from '../subspace/angles';
import type { SubspaceBasis } from '../subspace/bases';

/** How ΔW sits against W0's dominant subspaces. All of it is invariant under (B, A) → (B·R, R⁻¹·A). */
export interface BaseAlignment {
  /** k′ = min(numerical rank of ΔW, k): how many of ΔW's singular vectors are compared. */
  readonly kDelta: number;
  /** k: how many of W0's top singular vectors span the compared subspace. */
  readonly kBase: number;
  /** cos θ_i between span(X[:, :k′]) and span(U0[:, :k]): σ(X[:, :k′]ᵀ·U0[:, :k]), descending, k′ of them. */
  readonly columnCosines: Float64Array;
  /** The same for the row spaces, span(Y[:, :k′]) against span(V0[:, :k]). */
  readonly rowCosines: Float64Array;
  /** Mean of the column and row cosines together (the table's "align" column). */
  readonly meanCosine: number;
  /**
   * ‖X[:, :k′]ᵀ·U0[:, :k]‖_F² / k′: the share of ΔW's leading column directions inside W0's top-k
   * column space; a uniformly random k′-space keeps k/m of it (`chanceColumn`).
   */
  readonly columnOverlap: number;
  readonly chanceColumn: number;
  /**
   * Hu et al.'s amplification factor ‖ΔW‖_F / ‖Xᵀ·W0·Y‖_F over all of ΔW's p = rank singular
   * vectors (X, Y = U_ΔW, V_ΔW): large when ΔW boosts directions W0 barely uses. Infinity when
   * the projection is exactly zero.
   */
  readonly amplification: number;
  /** ‖Xᵀ·W0·Y‖_F, the denominator (for readers who want both). */
  readonly projectedNorm: number;
}

/**
 * Alignment of one module's ΔW = X·Σ·Yᵀ (from `basisOf`) with the top-k SVD of its base weight W0
 * (m×n, the same orientation as ΔW, as an operator). Costs one product W0·Y (m×n×p)
 * plus O((m + n)·k·p) here.
 */
export async function baseAlignment(W0: LinearOperator, top: TopSvd, basis: SubspaceBasis, k: number): Promise<BaseAlignment> {
  const kBase = Math.min(k, top.U.cols);
  const p = basis.rank;
  const kDelta = Math.min(p, kBase);
  const columnCross = transposeMultiply(leading(basis.X, kDelta), leading(top.U, kBase));
  const rowCross = transposeMultiply(leading(basis.Y, kDelta), leading(top.V, kBase));
  const columnCosines = cosines(columnCross);
  const rowCosines = cosines(rowCross);
  const all = [...columnCosines, ...rowCosines];
  const meanCosine = all.length === 0 ? 0 : all.reduce((a, b) => a + b, 0) / all.length;
  const columnOverlap = kDelta === 0 ? 0 : frobeniusNorm(columnCross) ** 2 / kDelta;
  const X = leading(basis.X, p);
  const W0Y = await W0.times(leading(basis.Y, p));
  const projectedNorm = p === 0 ? 0 : frobeniusNorm(transposeMultiply(X, W0Y));
  const amplification = basis.norm === 0 ? 0 : projectedNorm === 0 ? Infinity : basis.norm / projectedNorm;
  return { kDelta, kBase, columnCosines, rowCosines, meanCosine, columnOverlap, chanceColumn: Math.min(1, kBase / W0.rows), amplification, projectedNorm };
}

/** Singular values of a small cross-product, clamped to [0, 1]: the principal-angle cosines. */
function cosines(C: Matrix): Float64Array {
  if (C.rows === 0 || C.cols === 0) return new Float64Array(0);
  const wide = C.rows < C.cols;
  const values = denseSvd(wide ? transposeOf(C) : C, false).values;
  return values.slice(0, Math.min(C.rows, C.cols)).map((c) => Math.min(1, c));
}

function transposeOf(C: Matrix): Matrix {
  const out = new Float64Array(C.data.length);
  for (let j = 0; j < C.cols; j++) for (let i = 0; i < C.rows; i++) out[i * C.cols + j] = C.data[j * C.rows + i];
  return { rows: C.cols, cols: C.rows, data: out };
}
