/**
 * Eigen-decomposition of a small dense symmetric n×n matrix C = V·diag(values)·Vᵀ by Householder
 * tridiagonalization and the implicit QL iteration (EISPACK tred2/tql2, as in JAMA). The values
 * have an absolute error of order n·ε·‖C‖ and V is orthogonal to working precision: good enough
 * to precondition one-sided Jacobi (preconditionedJacobi.ts), which does the accurate work.
 *
 * Cost ~9·n³ flops with vectors (n = 64: a few milliseconds), against ~14·n³ per Jacobi sweep
 * with vectors (8–10 sweeps on a Gaussian 64×64 matrix).
 *
 * `c` holds C column-major (only its symmetry is used: either layout) and is not modified.
 * Returns the values in no particular order and V column-major (column i belongs to values[i]),
 * or null when the QL iteration has not converged in its limit (not seen on finite input).
 */
export function symmetricEigen(c: Float64Array, n: number): { readonly values: Float64Array; readonly vectors: Float64Array } | null {
  const v = c.slice(0, n * n);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: v };
  tridiagonalize(v, d, e, n);
  return diagonalize(v, d, e, n) ? { values: d, vectors: v } : null;
}

/**
 * Householder reduction to tridiagonal form (tred2): d the diagonal, e the subdiagonal in
 * e[1..], v ← Q column-major. JAMA's V[a][b] is v[b·n + a] here, so that every O(n³) loop runs
 * down a column (contiguous) and QL gets Q's columns contiguous without a transposition.
 */
function tridiagonalize(v: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = v[j * n + (n - 1)];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = v[j * n + (i - 1)];
        v[j * n + i] = 0;
        v[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h);
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        v[i * n + j] = f;
        g = e[j] + v[j * n + j] * f;
        for (let k = j + 1; k < i; k++) {
          g += v[j * n + k] * d[k];
          e[k] += v[j * n + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k < i; k++) v[j * n + k] -= f * e[k] + g * d[k];
        d[j] = v[j * n + (i - 1)];
        v[j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    v[i * n + (n - 1)] = v[i * n + i];
    v[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[(i + 1) * n + k] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[(i + 1) * n + k] * v[j * n + k];
        for (let k = 0; k <= i; k++) v[j * n + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) v[(i + 1) * n + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[j * n + (n - 1)];
    v[j * n + (n - 1)] = 0;
  }
  v[n * n - 1] = 1;
  e[0] = 0;
}

/** Iterations per eigenvalue before giving up; QL converges cubically, in 1–3 on average. */
const MAX_ITERATIONS = 60;

/** Implicit QL with shifts (tql2) on the tridiagonal (d, e), rotating q's columns (q column-major). */
function diagonalize(q: Float64Array, d: Float64Array, e: Float64Array, n: number): boolean {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && !(Math.abs(e[m]) <= Number.EPSILON * tst1)) m++;
    for (let iteration = 0; m > l && Math.abs(e[l]) > Number.EPSILON * tst1; iteration++) {
      if (iteration >= MAX_ITERATIONS) return false;
      let g = d[l];
      let p = (d[l + 1] - g) / (2 * e[l]);
      let r = Math.hypot(p, 1);
      if (p < 0) r = -r;
      d[l] = e[l] / (p + r);
      d[l + 1] = e[l] * (p + r);
      const dl1 = d[l + 1];
      let h = g - d[l];
      for (let i = l + 2; i < n; i++) d[i] -= h;
      f += h;
      p = d[m];
      let c = 1;
      let c2 = 1;
      let c3 = 1;
      const el1 = e[l + 1];
      let s = 0;
      let s2 = 0;
      for (let i = m - 1; i >= l; i--) {
        c3 = c2;
        c2 = c;
        s2 = s;
        g = c * e[i];
        h = c * p;
        r = Math.hypot(p, e[i]);
        e[i + 1] = s * r;
        s = e[i] / r;
        c = p / r;
        p = c * d[i] - s * g;
        d[i + 1] = h + s * (c * g + s * d[i]);
        const a = i * n;
        const b = a + n;
        for (let k = 0; k < n; k++) {
          const y = q[b + k];
          const x = q[a + k];
          q[b + k] = s * x + c * y;
          q[a + k] = c * x - s * y;
        }
      }
      p = (-s * s2 * c3 * el1 * e[l]) / dl1;
      e[l] = s * p;
      d[l] = c * p;
    }
    d[l] += f;
    e[l] = 0;
  }
  return d.every(Number.isFinite);
}
