import { columnNorm, SvdConvergenceError } from './svd';

/**
 * The one-sided (Hestenes) Jacobi iteration: plane rotations on the right orthogonalize the
 * columns of a work matrix G until every pair satisfies |g_pᵀg_q| ≤ tol·‖g_p‖·‖g_q‖. Each
 * rotation changes two columns by an error small relative to those two columns, which is why the
 * method keeps the high relative accuracy of graded matrices (G = Z·D or D·Z with Z well
 * conditioned: Demmel & Veselić 1992, Drmač 1997) that bidiagonalization loses.
 */

/**
 * Sweeps before giving up. One-sided Jacobi converges quadratically: measured 7–9 sweeps on
 * Gaussian n×n matrices for n = 16…256 (the last one only checks), 4–7 on graded ones.
 */
const MAX_SWEEPS = 60;

/**
 * Orthogonalizes the n columns (length m, column-major) of `g` in place: g ← g·J with J
 * orthogonal (rotations and column swaps). When `z` (n×n, column-major, usually the identity)
 * is given, z ← z·J too. Returns the number of sweeps, the last being the one without rotations.
 *
 * - Convergence: |cos ∠(g_p, g_q)| ≤ m·ε for every pair in a sweep. Every rotation angle comes
 *   from cos and from the squared norms, which are recomputed at the start of every sweep,
 *   carried along within it with the exact update ‖g_p‖² − t·g_pᵀg_q, and recomputed whenever
 *   that update cancels (norm squared falls below 1/8 of its old value), so the angle is always
 *   computed from accurate data.
 * - de Rijk pivoting: before the pairs (p, p+1 … n−1), the largest remaining column is swapped
 *   into place p. Columns come out roughly sorted, and convergence is faster and steadier.
 * - Zero columns are exactly orthogonal to everything and are never rotated.
 */
export function orthogonalizeColumns(g: Float64Array, m: number, n: number, z: Float64Array | null): number {
  const tol = Math.max(m, 1) * Number.EPSILON;
  const norm2 = new Float64Array(n);
  for (let sweep = 1; sweep <= MAX_SWEEPS; sweep++) {
    // Exact norms every sweep (O(mn), vs O(mn²) for the sweep): the carried updates drift by a
    // few ε relative per rotation, and a pair near convergence takes its angle from β − α, so on
    // strongly graded columns the drift alone left one pair halving its |cos| once a sweep and
    // ran out of sweeps (64×64 D·Z, spread 1e12 and up).
    for (let j = 0; j < n; j++) norm2[j] = columnNorm(g, j * m, m) ** 2;
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      let best = p;
      for (let q = p + 1; q < n; q++) if (norm2[q] > norm2[best]) best = q;
      if (best !== p) {
        swapColumns(g, m, p, best);
        if (z) swapColumns(z, n, p, best);
        const t = norm2[p];
        norm2[p] = norm2[best];
        norm2[best] = t;
      }
      const cp = p * m;
      // γ = g_pᵀg_q for the current q; a rotation of (p, q) computes the next one on the way.
      let gamma = dot(g, cp, (p + 1) * m, m);
      for (let q = p + 1; q < n; q++) {
        const alpha = norm2[p];
        const beta = norm2[q];
        const cq = q * m;
        const next = q + 1 < n ? cq + m : -1;
        if (alpha === 0 || beta === 0 || !(Math.abs(gamma) > tol * Math.sqrt(alpha) * Math.sqrt(beta))) {
          if (next >= 0) gamma = dot(g, cp, next, m);
          continue;
        }
        rotated = true;
        // tan θ as the smaller root of t² + 2ζt − 1 = 0 (Rutishauser), ζ = (β − α)/(2γ).
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.abs(zeta) > 1e150 ? 0.5 / zeta : (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        if (z) rotate(z, p * n, q * n, n, c, s);
        norm2[p] = alpha - t * gamma;
        norm2[q] = beta + t * gamma;
        gamma = rotateAndDot(g, cp, cq, next, m, c, s);
        if (!(norm2[p] > alpha / 8)) norm2[p] = columnNorm(g, cp, m) ** 2;
        if (!(norm2[q] > beta / 8)) norm2[q] = columnNorm(g, cq, m) ** 2;
      }
    }
    if (!rotated) return sweep;
  }
  throw new SvdConvergenceError(`Jacobi SVD did not converge in ${MAX_SWEEPS} sweeps (${m}×${n})`);
}

function dot(data: Float64Array, cp: number, cq: number, length: number): number {
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < length; i += 2) {
    s0 += data[cp + i] * data[cq + i];
    s1 += data[cp + i + 1] * data[cq + i + 1];
  }
  if (i < length) s0 += data[cp + i] * data[cq + i];
  return s0 + s1;
}

/**
 * rotate() on the columns at cp and cq that also returns the new column p's dot product with
 * the column at `next` (−1: none), saving the separate pass the next pair would need (~25%).
 */
function rotateAndDot(data: Float64Array, cp: number, cq: number, next: number, length: number, c: number, s: number): number {
  if (next < 0) {
    rotate(data, cp, cq, length, c, s);
    return 0;
  }
  let s0 = 0;
  for (let i = 0; i < length; i++) {
    const x = data[cp + i];
    const y = data[cq + i];
    const u = c * x - s * y;
    data[cp + i] = u;
    data[cq + i] = s * x + c * y;
    s0 += u * data[next + i];
  }
  return s0;
}

/** [x, y] ← [c·x − s·y, s·x + c·y] on the columns at offsets cp and cq. */
function rotate(data: Float64Array, cp: number, cq: number, length: number, c: number, s: number): void {
  for (let i = 0; i < length; i++) {
    const x = data[cp + i];
    const y = data[cq + i];
    data[cp + i] = c * x - s * y;
    data[cq + i] = s * x + c * y;
  }
}

function swapColumns(data: Float64Array, length: number, p: number, q: number): void {
  const cp = p * length;
  const cq = q * length;
  for (let i = 0; i < length; i++) {
    const t = data[cp + i];
    data[cp + i] = data[cq + i];
    data[cq + i] = t;
  }
}
