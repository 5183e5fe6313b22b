import type { Matrix } from './matrix';

/** A singular value decomposition a = U·diag(values)·Vᵀ (thin: k = min(rows, cols)). */
export interface Svd {
  /** Singular values, descending, k of them. */
  readonly values: Float64Array;
  /** Left singular vectors, rows×k column-major with orthonormal columns, when asked for. */
  readonly U?: Matrix;
  /** Right singular vectors, cols×k column-major with orthonormal columns, when asked for. */
  readonly V?: Matrix;
}

/** Thrown when Jacobi has not converged within its sweep limit (not seen on finite input). */
export class SvdConvergenceError extends Error {
  override readonly name = 'SvdConvergenceError';
}

/**
 * Checks that `a` is finite and returns a copy of its data divided by a power of two near its
 * largest entry (exact: no rounding), so that squared column norms of the copy neither overflow
 * nor underflow until entries fall ~1e-150 below the largest. Returns the power of two too.
 */
export function scaledCopy(a: Matrix): { data: Float64Array; scale: number } {
  let big = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = Math.abs(a.data[i]);
    if (!(x <= Number.MAX_VALUE)) throw new RangeError(`the ${a.rows}×${a.cols} matrix holds a NaN or infinite value`);
    if (x > big) big = x;
  }
  const data = a.data.slice();
  if (big === 0) return { data, scale: 1 };
  const scale = 2 ** Math.floor(Math.log2(big));
  for (let i = 0; i < data.length; i++) data[i] /= scale;
  return { data, scale };
}

/**
 * ‖x[start .. start+length)‖₂ with a scaled second pass when the plain sum of squares leaves the
 * range where it is accurate; columns of singular values come out of this.
 */
export function columnNorm(x: Float64Array, start: number, length: number): number {
  const end = start + length;
  let s = 0;
  for (let i = start; i < end; i++) s += x[i] * x[i];
  if ((s > 1e-290 && s < 1e290) || s === 0) {
    if (s !== 0) return Math.sqrt(s);
    let any = false;
    for (let i = start; i < end && !any; i++) any = x[i] !== 0;
    if (!any) return 0;
  }
  let big = 0;
  for (let i = start; i < end; i++) big = Math.max(big, Math.abs(x[i]));
  let t = 0;
  for (let i = start; i < end; i++) t += (x[i] / big) ** 2;
  return big * Math.sqrt(t);
}

/**
 * Sorts k orthogonalized columns W (m×k, `w`) by norm, descending: the norms times `scale` are
 * the singular values, W's normalized columns one side's vectors and the matching columns of the
 * accumulated rotations `z` (n×k) the other's. `wIsLeft` says which side W is. Columns of W with
 * zero norm are replaced by an orthonormal completion so that both factors stay orthonormal.
 */
export function assembleSvd(w: Float64Array, m: number, k: number, z: Float64Array | null, n: number, scale: number, wIsLeft: boolean): Svd {
  const norms = new Float64Array(k);
  for (let j = 0; j < k; j++) norms[j] = columnNorm(w, j * m, m);
  const order = Array.from({ length: k }, (_, j) => j).sort((x, y) => norms[y] - norms[x] || x - y);
  const values = Float64Array.from(order, (j) => norms[j] * scale);
  if (!z) return { values };
  const W = new Float64Array(m * k);
  const Z = new Float64Array(n * k);
  order.forEach((j, c) => {
    const norm = norms[j];
    if (norm > 0) for (let i = 0; i < m; i++) W[c * m + i] = w[j * m + i] / norm;
    Z.set(z.subarray(j * n, j * n + n), c * n);
  });
  completeBasis(W, m, k, values);
  const normalized = { rows: m, cols: k, data: W };
  const rotations = { rows: n, cols: k, data: Z };
  return wIsLeft ? { values, U: normalized, V: rotations } : { values, U: rotations, V: normalized };
}

/**
 * Columns of W for zero singular values are undefined by the rotations; fill each with the unit
 * vector e_i least covered by the columns already there (smallest Σ_j W_ij², so its residual is
 * at least 1/√m), orthogonalized twice against them (twice is enough for working precision).
 */
function completeBasis(W: Float64Array, m: number, k: number, values: Float64Array): void {
  if (values.every((x) => x > 0)) return;
  const covered = new Float64Array(m);
  for (let j = 0; j < k; j++) for (let i = 0; i < m; i++) covered[i] += W[j * m + i] ** 2;
  for (let c = 0; c < k; c++) {
    if (values[c] > 0) continue;
    let pick = 0;
    for (let i = 1; i < m; i++) if (covered[i] < covered[pick]) pick = i;
    const col = new Float64Array(m);
    col[pick] = 1;
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < k; j++) {
        if (j === c) continue;
        let dot = 0;
        for (let i = 0; i < m; i++) dot += W[j * m + i] * col[i];
        if (dot !== 0) for (let i = 0; i < m; i++) col[i] -= dot * W[j * m + i];
      }
    }
    const norm = columnNorm(col, 0, m);
    for (let i = 0; i < m; i++) {
      W[c * m + i] = col[i] / norm;
      covered[i] += W[c * m + i] ** 2;
    }
  }
}
