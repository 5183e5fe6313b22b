/**
 * Dense float64 matrices for the small factorizations. Column-major: element (i, j) is
 * data[j·rows + i], so the columns that Householder and Jacobi work on are contiguous.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function zeros(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function identity(n: number): Matrix {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

export function copyMatrix(a: Matrix): Matrix {
  return { rows: a.rows, cols: a.cols, data: a.data.slice() };
}

export function transpose(a: Matrix): Matrix {
  const out = new Float64Array(a.rows * a.cols);
  for (let j = 0; j < a.cols; j++) for (let i = 0; i < a.rows; i++) out[i * a.cols + j] = a.data[j * a.rows + i];
  return { rows: a.cols, cols: a.rows, data: out };
}

/** A·B for small matrices. */
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

/** Largest absolute entry (0 for an empty matrix). */
export function maxAbs(a: Matrix): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = Math.abs(a.data[i]);
    if (x > m) m = x;
  }
  return m;
}

/** ‖A‖_F, scaled by the largest entry so that neither squares overflow nor underflow. */
export function frobeniusNorm(a: Matrix): number {
  const scale = maxAbs(a);
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i] / scale;
    s += x * x;
  }
  return scale * Math.sqrt(s);
}
