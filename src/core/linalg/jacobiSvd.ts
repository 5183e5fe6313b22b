import { maxAbs, transpose, type Matrix } from './matrix';

/**
 * One-sided (Hestenes) Jacobi SVD of a small dense matrix: plane rotations orthogonalize the
 * columns until every pair is orthogonal to working precision; the column norms are then the
 * singular values. Chosen over bidiagonalization for the r×r core because it computes small
 * singular values of graded matrices (K = Z·D with Z well conditioned, as the QR route
 * produces) to high relative accuracy, not just to ε·σ1 (Demmel & Veselić, 1992).
 */
export interface Svd {
  /** Singular values, descending; min(rows, cols) of them. */
  readonly values: Float64Array;
  /** Left singular vectors (rows×k), present when asked for. */
  readonly U?: Matrix;
  /** Right singular vectors (cols×k), present when asked for. */
  readonly V?: Matrix;
}

/** Sweeps before giving up; one-sided Jacobi converges quadratically, typically in 6–10. */
const MAX_SWEEPS = 80;

/** Thrown if Jacobi has not converged in MAX_SWEEPS sweeps (never seen on finite input). */
export class SvdConvergenceError extends Error {
  override readonly name = 'SvdConvergenceError';
}

/** Singular values of `a`, descending. `a` is not modified. */
export function singularValues(a: Matrix): Float64Array {
  return jacobiSvd(a, false).values;
}

/** The SVD a = U·diag(values)·Vᵀ; vectors only when `vectors` is true. `a` is not modified. */
export function jacobiSvd(a: Matrix, vectors = true): Svd {
  if (a.cols > a.rows) {
    const t = jacobiSvd(transpose(a), vectors);
    return vectors ? { values: t.values, U: t.V, V: t.U } : { values: t.values };
  }
  const m = a.rows;
  const n = a.cols;
  if (n === 0) return vectors ? { values: new Float64Array(0), U: { rows: m, cols: 0, data: new Float64Array(0) }, V: { rows: 0, cols: 0, data: new Float64Array(0) } } : { values: new Float64Array(0) };
  // Scaling by the largest entry keeps squared norms away from overflow and underflow.
  if (!a.data.every(Number.isFinite)) throw new RangeError('the matrix holds a NaN or infinite value');
  const scale = maxAbs(a);
  const g = a.data.slice();
  if (scale > 0) for (let i = 0; i < g.length; i++) g[i] /= scale;
  const v = vectors ? identityData(n) : null;
  const tol = Math.max(m, 1) * Number.EPSILON;

  let rotated = true;
  for (let sweep = 0; rotated; sweep++) {
    if (sweep === MAX_SWEEPS) throw new SvdConvergenceError(`Jacobi SVD did not converge in ${MAX_SWEEPS} sweeps (${m}×${n})`);
    rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const cp = p * m;
        const cq = q * m;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = g[cp + i];
          const y = g[cq + i];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(g, cp, cq, m, c, s);
        if (v) rotate(v, p * n, q * n, n, c, s);
      }
    }
  }
  return collect(g, v, m, n, scale);
}

/** [x, y] ← [c·x − s·y, s·x + c·y] on two columns. */
function rotate(data: Float64Array, cp: number, cq: number, length: number, c: number, s: number): void {
  for (let i = 0; i < length; i++) {
    const x = data[cp + i];
    const y = data[cq + i];
    data[cp + i] = c * x - s * y;
    data[cq + i] = s * x + c * y;
  }
}

function identityData(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/** Column norms are the singular values; sorted descending, with vectors permuted to match. */
function collect(g: Float64Array, v: Float64Array | null, m: number, n: number, scale: number): Svd {
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let big = 0;
    for (let i = 0; i < m; i++) big = Math.max(big, Math.abs(g[j * m + i]));
    let s = 0;
    if (big > 0) for (let i = 0; i < m; i++) s += (g[j * m + i] / big) ** 2;
    norms[j] = big * Math.sqrt(s);
  }
  const order = Array.from({ length: n }, (_, j) => j).sort((x, y) => norms[y] - norms[x]);
  const values = Float64Array.from(order, (j) => norms[j] * scale);
  if (!v) return { values };
  const U = new Float64Array(m * n);
  const V = new Float64Array(n * n);
  order.forEach((j, k) => {
    const norm = norms[j];
    for (let i = 0; i < m; i++) U[k * m + i] = norm > 0 ? g[j * m + i] / norm : 0;
    for (let i = 0; i < n; i++) V[k * n + i] = v[j * n + i];
  });
  completeBasis(U, m, n, order.map((j) => norms[j]));
  return { values, U: { rows: m, cols: n, data: U }, V: { rows: n, cols: n, data: V } };
}

/**
 * Columns of U for zero singular values are undefined by the rotations; fill them with unit
 * vectors orthogonalized (twice, Gram–Schmidt) against the others so U has orthonormal columns.
 */
function completeBasis(U: Float64Array, m: number, n: number, norms: readonly number[]): void {
  let candidate = 0;
  for (let k = 0; k < n; k++) {
    if (norms[k] > 0) continue;
    for (; candidate < m; candidate++) {
      const col = new Float64Array(m);
      col[candidate] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < n; j++) {
          if (j === k || (norms[j] === 0 && j > k)) continue;
          let dot = 0;
          for (let i = 0; i < m; i++) dot += U[j * m + i] * col[i];
          for (let i = 0; i < m; i++) col[i] -= dot * U[j * m + i];
        }
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += col[i] * col[i];
      norm = Math.sqrt(norm);
      if (norm > 0.5) {
        for (let i = 0; i < m; i++) U[k * m + i] = col[i] / norm;
        candidate++;
        break;
      }
    }
  }
}
