import { householderR } from '../linalg/householder';
import { frobeniusNorm, transposeMultiply, type Matrix } from '../linalg/matrix';
import { principalAngles, type PrincipalAngles } from './angles';
import type { SubspaceBasis } from './bases';
import { phiGrid } from './phi';

/** How two ΔW of the same shape relate; every number is invariant under each adapter's GL(r). */
export interface BasisComparison {
  /** ⟨ΔW1, ΔW2⟩_F / (‖ΔW1‖_F·‖ΔW2‖_F) in [−1, 1]; null when either ΔW is exactly zero. */
  readonly cosine: number | null;
  /** ‖ΔW1 − ΔW2‖_F / ‖ΔW1‖_F; null when ΔW1 is exactly zero. */
  readonly relativeDistance: number | null;
  /** ⟨ΔW1, ΔW2⟩_F. */
  readonly inner: number;
  /** ‖ΔW1‖_F and ‖ΔW2‖_F. */
  readonly norms: readonly [number, number];
  /** The k the angles were taken at: min(requested, numerical ranks). */
  readonly k: number;
  /** Between the column spaces span(X1[:, :k]) and span(X2[:, :k]). */
  readonly column: PrincipalAngles;
  /** Between the row spaces. */
  readonly row: PrincipalAngles;
  /**
   * φ(i, j) grids for the column and row spaces (p1×p2, see phiGrid), when asked for. Rows and
   * columns past a module's numerical rank compare rounding noise, not directions of ΔW.
   */
  readonly grid?: { readonly column: Matrix; readonly row: Matrix };
}

export interface CompareBasesOptions {
  /** Principal angles over the top k singular vectors; default min(r1, r2, 8). */
  readonly k?: number;
  /** Also return the full φ(i, j) grids. */
  readonly grid?: boolean;
}

/** Default number of principal angles: enough to see a subspace, few enough to read. */
export const DEFAULT_ANGLES = 8;

/**
 * Compares two modules' ΔW through their orthonormal bases (DESIGN.md §4), never forming either:
 * - ⟨ΔW1, ΔW2⟩ = tr(Σ1·(X1ᵀX2)·Σ2·(Y2ᵀY1)) = Σ_ij σ1_i·σ2_j·(X1ᵀX2)_ij·(Y1ᵀY2)_ij. This is
 *   s1·s2·tr((B1ᵀB2·M2)(A2·A1ᵀ)·M1ᵀ) of DESIGN §4, but from orthonormal overlaps: each term's
 *   rounding is ε relative to σ1_i·σ2_j instead of to products of raw, arbitrarily scaled
 *   factors (B·R, R⁻¹·A), so the cosine is accurate to ~ε·p absolutely whatever the
 *   parametrization.
 * - ‖ΔW1 − ΔW2‖_F = ‖R_X·diag(Σ1, −Σ2)·R_Yᵀ‖_F, R_X and R_Y from the thin QR of the stacked
 *   bases [X1 X2] and [Y1 Y2]. Not from ‖ΔW1‖² + ‖ΔW2‖² − 2⟨ΔW1, ΔW2⟩, which cancels when the
 *   two are close (late checkpoints) and then keeps only about half the digits of the distance.
 *   Cost O((m + n)·(p1 + p2)²).
 * - principal angles of the top-k column and row spaces (principalAngles).
 * Both bases must be of the same m×n shape.
 */
export function compareBases(b1: SubspaceBasis, b2: SubspaceBasis, options: CompareBasesOptions = {}): BasisComparison {
  const [m, n] = b1.shape;
  if (b2.shape[0] !== m || b2.shape[1] !== n) throw new RangeError(`shapes differ: ${m}×${n} and ${b2.shape[0]}×${b2.shape[1]}`);
  const C = transposeMultiply(b1.X, b2.X);
  const D = transposeMultiply(b1.Y, b2.Y);
  const p1 = C.rows;
  const p2 = C.cols;
  let inner = 0;
  for (let j = 0; j < p2; j++) {
    let column = 0;
    for (let i = 0; i < p1; i++) column += b1.sigma[i] * C.data[j * p1 + i] * D.data[j * p1 + i];
    inner += column * b2.sigma[j];
  }
  const [n1, n2] = [b1.norm, b2.norm];
  const cosine = n1 > 0 && n2 > 0 ? Math.max(-1, Math.min(1, inner / n1 / n2)) : null;
  const relativeDistance = n1 > 0 ? differenceNorm(b1, b2) / n1 : null;
  const k = Math.min(options.k ?? Math.min(p1, p2, DEFAULT_ANGLES), b1.rank, b2.rank);
  const result: BasisComparison = {
    cosine,
    relativeDistance,
    inner,
    norms: [n1, n2],
    k,
    column: principalAngles(b1.X, b2.X, k),
    row: principalAngles(b1.Y, b2.Y, k),
  };
  return options.grid ? { ...result, grid: { column: phiGrid(C), row: phiGrid(D) } } : result;
}

/** ‖X1Σ1Y1ᵀ − X2Σ2Y2ᵀ‖_F by the thin QR of the stacked bases (see compareBases). */
function differenceNorm(b1: SubspaceBasis, b2: SubspaceBasis): number {
  const RX = householderR(stack(b1.X, b2.X));
  const RY = householderR(stack(b1.Y, b2.Y));
  const p1 = b1.sigma.length;
  const q = RX.cols;
  // RX·diag(Σ1, −Σ2), then times RYᵀ.
  const scaled = RX.data.slice();
  for (let j = 0; j < q; j++) {
    const d = j < p1 ? b1.sigma[j] : -b2.sigma[j - p1];
    for (let i = 0; i < RX.rows; i++) scaled[j * RX.rows + i] *= d;
  }
  const core = new Float64Array(RX.rows * RY.rows);
  for (let l = 0; l < q; l++) {
    for (let j = 0; j < RY.rows; j++) {
      const y = RY.data[l * RY.rows + j];
      if (y === 0) continue;
      for (let i = 0; i < RX.rows; i++) core[j * RX.rows + i] += scaled[l * RX.rows + i] * y;
    }
  }
  return frobeniusNorm({ rows: RX.rows, cols: RY.rows, data: core });
}

/** [P Q] for two column-major matrices with the same rows. */
function stack(P: Matrix, Q: Matrix): Matrix {
  const data = new Float64Array(P.data.length + Q.data.length);
  data.set(P.data);
  data.set(Q.data, P.data.length);
  return { rows: P.rows, cols: P.cols + Q.cols, data };
}
