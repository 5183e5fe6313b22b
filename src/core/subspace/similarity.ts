import { frobeniusNorm, identity, multiply, multiplyTransposed, transposeMultiply, type Matrix } from '../linalg/matrix';
import { overlapOf, type BasisOverlap } from '../linalg/overlap';
import { overlapAngles, type PrincipalAngles } from './angles';
import type { CoreBasis, SubspaceBasis } from './bases';
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
const DEFAULT_ANGLES = 8;

/**
 * Compares two modules' ΔW through their orthonormal bases (docs/design.md §4), never forming either:
 * the explicit bases X, Y of each give the overlaps (overlapOf) and the comparison is
 * compareCores's, with U = V = I. Both bases must be of the same m×n shape.
 */
export function compareBases(b1: SubspaceBasis, b2: SubspaceBasis, options: CompareBasesOptions = {}): BasisComparison {
  const [m, n] = b1.shape;
  if (b2.shape[0] !== m || b2.shape[1] !== n) throw new RangeError(`shapes differ: ${m}×${n} and ${b2.shape[0]}×${b2.shape[1]}`);
  const core = (b: SubspaceBasis): CoreBasis => ({ shape: b.shape, U: identity(b.X.cols), V: identity(b.Y.cols), sigma: b.sigma, norm: b.norm, rank: b.rank });
  return compareCores(core(b1), core(b2), overlapOf(b1.X, b2.X), overlapOf(b1.Y, b2.Y), options);
}

/**
 * Compares ΔW1 = Q_B1·U1·Σ1·V1ᵀ·Q_A1ᵀ and ΔW2 (coreBasis) from the overlaps of their tall bases
 * (`columns` of Q_B1 and Q_B2, `rows` of Q_A1 and Q_A2; overlapOf or a backend's
 * pairOverlaps), with only r-sized work:
 * - X1ᵀX2 = U1ᵀ·(Q_B1ᵀQ_B2)·U2 and Y1ᵀY2 likewise; ⟨ΔW1, ΔW2⟩ = tr(Σ1·(X1ᵀX2)·Σ2·(Y2ᵀY1)) =
 *   Σ_ij σ1_i·σ2_j·(X1ᵀX2)_ij·(Y1ᵀY2)_ij. This is s1·s2·tr((B1ᵀB2·M2)(A2·A1ᵀ)·M1ᵀ) of docs/design.md §4,
 *   but from orthonormal overlaps: each term's rounding is ε relative to σ1_i·σ2_j instead of to
 *   products of raw, arbitrarily scaled factors (B·R, R⁻¹·A), so the cosine is accurate to
 *   ~ε·p absolutely whatever the parametrization.
 * - ‖ΔW1 − ΔW2‖_F = ‖P_B·diag(Σ1, −Σ2)·P_Aᵀ‖_F with P = [[U1, C·U2], [0, R_Z·U2]], the R of the
 *   stacked bases [X1 X2] in the orthonormal [Q1 Q_Z] (see BasisOverlap). Not from
 *   ‖ΔW1‖² + ‖ΔW2‖² − 2⟨ΔW1, ΔW2⟩, which cancels when the two are close (late checkpoints) and
 *   then keeps only about half the digits of the distance.
 * - principal angles of the top-k column and row spaces (overlapAngles).
 * Both must be of the same m×n shape.
 */
export function compareCores(c1: CoreBasis, c2: CoreBasis, columns: BasisOverlap, rows: BasisOverlap, options: CompareBasesOptions = {}): BasisComparison {
  const [m, n] = c1.shape;
  if (c2.shape[0] !== m || c2.shape[1] !== n) throw new RangeError(`shapes differ: ${m}×${n} and ${c2.shape[0]}×${c2.shape[1]}`);
  const C = transposeMultiply(c1.U, multiply(columns.cross, c2.U));
  const D = transposeMultiply(c1.V, multiply(rows.cross, c2.V));
  const p1 = C.rows;
  const p2 = C.cols;
  let inner = 0;
  for (let j = 0; j < p2; j++) {
    let column = 0;
    for (let i = 0; i < p1; i++) column += c1.sigma[i] * C.data[j * p1 + i] * D.data[j * p1 + i];
    inner += column * c2.sigma[j];
  }
  const [n1, n2] = [c1.norm, c2.norm];
  const cosine = n1 > 0 && n2 > 0 ? Math.max(-1, Math.min(1, inner / n1 / n2)) : null;
  const relativeDistance = n1 > 0 ? differenceNorm(c1, c2, columns, rows) / n1 : null;
  const k = Math.min(options.k ?? Math.min(p1, p2, DEFAULT_ANGLES), c1.rank, c2.rank);
  const result: BasisComparison = {
    cosine,
    relativeDistance,
    inner,
    norms: [n1, n2],
    k,
    column: overlapAngles(c1.U, c2.U, columns, k),
    row: overlapAngles(c1.V, c2.V, rows, k),
  };
  return options.grid ? { ...result, grid: { column: phiGrid(C), row: phiGrid(D) } } : result;
}

/** ‖P_B·diag(Σ1, −Σ2)·P_Aᵀ‖_F (see compareCores). */
function differenceNorm(c1: CoreBasis, c2: CoreBasis, columns: BasisOverlap, rows: BasisOverlap): number {
  const PB = stackedR(c1.U, c2.U, columns);
  const PA = stackedR(c1.V, c2.V, rows);
  const p1 = c1.U.cols;
  const q = PB.cols;
  // P_B·diag(Σ1, −Σ2), then times P_Aᵀ.
  const scaled = PB.data.slice();
  for (let j = 0; j < q; j++) {
    const d = j < p1 ? c1.sigma[j] : -c2.sigma[j - p1];
    for (let i = 0; i < PB.rows; i++) scaled[j * PB.rows + i] *= d;
  }
  return frobeniusNorm(multiplyTransposed({ rows: PB.rows, cols: q, data: scaled }, PA));
}

/** [[U1, C·U2], [0, R_Z·U2]]: (q1 + z)×(p1 + p2), column-major. */
function stackedR(U1: Matrix, U2: Matrix, o: BasisOverlap): Matrix {
  const top = multiply(o.cross, U2);
  const bottom = multiply(o.residual, U2);
  const [q1, z] = [U1.rows, bottom.rows];
  const rows = q1 + z;
  const out = new Float64Array(rows * (U1.cols + U2.cols));
  for (let j = 0; j < U1.cols; j++) out.set(U1.data.subarray(j * q1, (j + 1) * q1), j * rows);
  for (let j = 0; j < U2.cols; j++) {
    const dst = (U1.cols + j) * rows;
    out.set(top.data.subarray(j * q1, (j + 1) * q1), dst);
    out.set(bottom.data.subarray(j * z, (j + 1) * z), dst + q1);
  }
  return { rows, cols: U1.cols + U2.cols, data: out };
}
