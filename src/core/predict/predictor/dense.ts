/** A row-major float64 matrix: row i, column j at data[i·cols + j]. Rows are samples in a design matrix. */
export interface Rows {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** The rows `pick` of `x`, in that order (a fold's training or held-out part). */
export function pickRows(x: Rows, pick: readonly number[]): Rows {
  const out = new Float64Array(pick.length * x.cols);
  pick.forEach((r, i) => out.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
  return { rows: pick.length, cols: x.cols, data: out };
}

/**
 * Solves S·x = b for a symmetric positive definite S (n×n row-major) by Cholesky, in float64.
 * Ridge and IRLS systems are SPD by construction (a Gram plus λI with λ > 0), so a failed
 * factorization means non-finite input; it throws rather than returning a wrong answer.
 */
export function solveSpd(S: Float64Array, n: number, b: Float64Array): Float64Array {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = S[j * n + j];
    for (let k = 0; k < j; k++) d -= L[j * n + k] * L[j * n + k];
    if (!(d > 0)) throw new RangeError(`the system is not positive definite at pivot ${j} (${d})`);
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = S[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = s / ljj;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/** XᵀX (cols×cols) of a design matrix. */
export function gramOfColumns(x: Rows): Float64Array {
  const p = x.cols;
  const G = new Float64Array(p * p);
  for (let r = 0; r < x.rows; r++) {
    const row = x.data.subarray(r * p, (r + 1) * p);
    for (let i = 0; i < p; i++) {
      const v = row[i];
      if (v === 0) continue;
      for (let j = i; j < p; j++) G[i * p + j] += v * row[j];
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) G[i * p + j] = G[j * p + i];
  return G;
}

/** X·Xᵀ (rows×rows): the kernel matrix, used when there are more features than samples. */
export function gramOfRows(x: Rows): Float64Array {
  const n = x.rows;
  const p = x.cols;
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += x.data[i * p + k] * x.data[j * p + k];
      K[i * n + j] = s;
      K[j * n + i] = s;
    }
  }
  return K;
}

/** X·w for one weight vector. */
export function multiplyVector(x: Rows, w: Float64Array): Float64Array {
  const out = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    let s = 0;
    for (let k = 0; k < x.cols; k++) s += x.data[r * x.cols + k] * w[k];
    out[r] = s;
  }
  return out;
}

/** Xᵀ·v for one sample-length vector. */
export function transposeMultiplyVector(x: Rows, v: Float64Array): Float64Array {
  const out = new Float64Array(x.cols);
  for (let r = 0; r < x.rows; r++) {
    const vr = v[r];
    for (let k = 0; k < x.cols; k++) out[k] += x.data[r * x.cols + k] * vr;
  }
  return out;
}

/**
 * Solves (YᵀY + λI) x = g (λ > 0): directly when Y has no more columns than rows, else by the
 * Woodbury identity x = (g − Yᵀ (Y·Yᵀ + λI)⁻¹ Y g) / λ, an n×n system instead of p×p. Both are
 * SPD. Used by IRLS, whose weighted Gram is YᵀY with Y = W^{1/2}·Z.
 */
export function solveRegularized(y: Rows, lambda: number, g: Float64Array): Float64Array {
  if (y.cols <= y.rows) {
    const G = gramOfColumns(y);
    for (let i = 0; i < y.cols; i++) G[i * y.cols + i] += lambda;
    return solveSpd(G, y.cols, g);
  }
  const K = gramOfRows(y);
  for (let i = 0; i < y.rows; i++) K[i * y.rows + i] += lambda;
  const inner = transposeMultiplyVector(y, solveSpd(K, y.rows, multiplyVector(y, g)));
  return g.map((v, i) => (v - inner[i]) / lambda);
}
