/**
 * Dense float64 matrices for the small factorizations. Column-major: element (i, j) is
 * data[j·rows + i], so the columns that Householder and Jacobi work on are contiguous.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** A rows×cols matrix of zeros. */
export function zeros(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** The n×n identity. */
export function identity(n: number): Matrix {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

/** Aᵀ as a new column-major matrix. */
export function transpose(a: Matrix): Matrix {
  const out = new Float64Array(a.rows * a.cols);
  for (let j = 0; j < a.cols; j++) for (let i = 0; i < a.rows; i++) out[i * a.cols + j] = a.data[j * a.rows + i];
  return { rows: a.cols, cols: a.rows, data: out };
}

/** A·B for small matrices (A m×l, B l×n); exact zeros in B are skipped. */
export function multiply(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new Error(`cannot multiply ${a.rows}×${a.cols} by ${b.rows}×${b.cols}`);
  const out = new Float64Array(a.rows * b.cols);
  for (let j = 0; j < b.cols; j++) {
    for (let l = 0; l < a.cols; l++) {
      const blj = b.data[j * b.rows + l];
      if (blj === 0) continue;
      const col = l * a.rows;
      const dst = j * a.rows;
      for (let i = 0; i < a.rows; i++) out[dst + i] += a.data[col + i] * blj;
    }
  }
  return { rows: a.rows, cols: b.cols, data: out };
}

/** A·Bᵀ for small matrices: A m×l, B n×l, the result m×n (e.g. R_B·R_Aᵀ with both R's k×r). */
export function multiplyTransposed(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.cols) throw new Error(`cannot multiply ${a.rows}×${a.cols} by the transpose of ${b.rows}×${b.cols}`);
  const m = a.rows;
  const n = b.rows;
  const out = new Float64Array(m * n);
  for (let l = 0; l < a.cols; l++) {
    const col = l * m;
    for (let j = 0; j < n; j++) {
      const bjl = b.data[l * n + j];
      if (bjl === 0) continue;
      const dst = j * m;
      for (let i = 0; i < m; i++) out[dst + i] += a.data[col + i] * bjl;
    }
  }
  return { rows: m, cols: n, data: out };
}

/** Aᵀ·B for small matrices: A l×m, B l×n, the result m×n (column dot products, contiguous). */
export function transposeMultiply(a: Matrix, b: Matrix): Matrix {
  if (a.rows !== b.rows) throw new Error(`cannot multiply the transpose of ${a.rows}×${a.cols} by ${b.rows}×${b.cols}`);
  const l = a.rows;
  const out = new Float64Array(a.cols * b.cols);
  for (let j = 0; j < b.cols; j++) {
    for (let i = 0; i < a.cols; i++) {
      let s = 0;
      for (let p = 0; p < l; p++) s += a.data[i * l + p] * b.data[j * l + p];
      out[j * a.cols + i] = s;
    }
  }
  return { rows: a.cols, cols: b.cols, data: out };
}

/** Largest absolute entry (0 for an empty matrix, NaN if any entry is NaN). */
export function maxAbs(a: Matrix): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = Math.abs(a.data[i]);
    if (x > m) m = x;
    else if (x !== x) return NaN;
  }
  return m;
}

/**
 * ‖A‖_F. A plain sum of squares when it stays in the range where squaring is exact to rounding
 * (the common case, one pass); otherwise recomputed with the entries scaled by a power of two
 * near the largest one (exact division), so that no square overflows or underflows.
 */
export function frobeniusNorm(a: Matrix): number {
  const x = a.data;
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < x.length; i += 2) {
    s0 += x[i] * x[i];
    s1 += x[i + 1] * x[i + 1];
  }
  if (i < x.length) s0 += x[i] * x[i];
  const s = s0 + s1;
  if (s > 1e-290 && s < 1e290) return Math.sqrt(s);
  const big = maxAbs(a);
  if (big === 0 || !Number.isFinite(big)) return big;
  // 2^⌊log2 big⌋ is representable from the subnormals up to the largest double.
  const p = 2 ** Math.floor(Math.log2(big));
  let t = 0;
  for (i = 0; i < x.length; i++) {
    const y = x[i] / p;
    t += y * y;
  }
  return Math.sqrt(t) * p;
}
