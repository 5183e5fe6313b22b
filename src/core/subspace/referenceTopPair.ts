import { denseSvd } from '../linalg/denseSvd';
import { householderQR } from '../linalg/householder';
import type { Matrix } from '../linalg/matrix';
import type { MatrixReference } from './referenceFile';

/** Up to this many entries the dense SVD is cheap (128×128: a fraction of a second). */
const DENSE_ELEMENTS = 1 << 14;
/** Block size of the subspace iteration: convergence goes as (σ_{k+1}/σ1) per step. */
const BLOCK = 8;
const MAX_STEPS = 100;
/** ‖D·v1 − σ1·u1‖ ≤ TOLERANCE·σ1: the vectors are then accurate to about TOLERANCE·σ1 / (σ1 − σ2). */
const TOLERANCE = 1e-13;
/**
 * σ1 − σ2 below GAP·σ1 leaves the top pair undetermined (any vector of the top plane is one):
 * the alignments are then not given rather than given for an arbitrary vector.
 */
const GAP = 1e-6;

function separated(values: Float64Array): boolean {
  return values.length < 2 || values[0] - values[1] > GAP * values[0];
}

/**
 * The top singular pair (u1, v1) of a reference ΔW (m×n column-major), for the alignments; null
 * when it is not determined (σ1 − σ2 below GAP·σ1, or no convergence in MAX_STEPS). Small matrices
 * take the dense one-sided Jacobi SVD; larger ones block subspace iteration with Rayleigh–Ritz
 * (Golub & Van Loan, Matrix Computations §8.2.4), each step two passes over ΔW, stopped on the
 * residual of the top pair, not on a step count. A teacher ΔW is rank-1 or nearly so: one or
 * two steps.
 */
export function topSingularPair(ref: MatrixReference): { u: Float64Array; v: Float64Array } | null {
  const { rows: m, cols: n, data } = ref;
  if (m * n <= DENSE_ELEMENTS) {
    const svd = denseSvd({ rows: m, cols: n, data });
    return svd.U && svd.V && separated(svd.values) ? { u: svd.U.data.slice(0, m), v: svd.V.data.slice(0, n) } : null;
  }
  const k = Math.min(BLOCK, m, n);
  // A fixed start (no seed to carry): columns of a deterministic, full-rank pattern.
  let X: Matrix = { rows: n, cols: k, data: Float64Array.from({ length: n * k }, (_, i) => Math.sin(1 + i * 0.7548776662466927) + (i % (n + 1) === 0 ? 1 : 0)) };
  for (let step = 0; step < MAX_STEPS; step++) {
    const Q = householderQR(times(data, m, n, X)).Q;
    const Z = timesTransposed(data, m, n, Q);
    // D ≈ Q·Zᵀ on the block; Z = U_z·Σ·V_zᵀ gives D's Ritz triplets (Q·V_z, Σ, U_z).
    const svd = denseSvd(Z);
    if (!svd.U || !svd.V) return null;
    const sigma = svd.values[0];
    if (!(sigma > 0)) return null;
    const v = svd.U.data.slice(0, n);
    const u = new Float64Array(m);
    for (let j = 0; j < Q.cols; j++) {
      const w = svd.V.data[j];
      for (let i = 0; i < m; i++) u[i] += Q.data[j * m + i] * w;
    }
    const Dv = times(data, m, n, { rows: n, cols: 1, data: v }).data;
    let residual = 0;
    for (let i = 0; i < m; i++) residual += (Dv[i] - sigma * u[i]) ** 2;
    if (Math.sqrt(residual) <= TOLERANCE * sigma) return separated(svd.values) ? { u, v } : null;
    X = svd.U;
  }
  return null;
}

/** D·X (m×c) for D m×n and X n×c, column-major. */
function times(D: Float64Array, m: number, n: number, X: Matrix): Matrix {
  const out = new Float64Array(m * X.cols);
  for (let c = 0; c < X.cols; c++)
    for (let j = 0; j < n; j++) {
      const x = X.data[c * n + j];
      if (x === 0) continue;
      for (let i = 0; i < m; i++) out[c * m + i] += D[j * m + i] * x;
    }
  return { rows: m, cols: X.cols, data: out };
}

/** Dᵀ·Y (n×c) for D m×n and Y m×c, column-major. */
function timesTransposed(D: Float64Array, m: number, n: number, Y: Matrix): Matrix {
  const out = new Float64Array(n * Y.cols);
  for (let c = 0; c < Y.cols; c++)
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let i = 0; i < m; i++) sum += D[j * m + i] * Y.data[c * m + i];
      out[c * n + j] = sum;
    }
  return { rows: n, cols: Y.cols, data: out };
}
