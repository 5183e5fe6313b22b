import type { DenseEngine, DenseMatrix } from '../../../src/core/compute/dense';
import { JsDenseEngine } from '../../../src/core/compute/dense';
import { OrtDenseEngine } from '../../../src/core/compute/ort/ortDense';
import { multiply, transpose, type Matrix } from '../../../src/core/linalg/matrix';
import type { Rng } from '../../helpers/random';
import { orthonormal } from '../subspace/plantedModules';

/** Inputs for the base-model tests: base weights with planted singular vectors, and both engines. */

export const ENGINES: { name: string; make: () => DenseEngine }[] = [
  { name: 'js', make: () => new JsDenseEngine() },
  { name: 'onnxruntime', make: () => new OrtDenseEngine('cpu', 1) },
];

/** A planted base weight W0 = U0·diag(σ)·V0ᵀ, row-major m×n (as files store it), with its factors. */
export interface PlantedBase {
  readonly W0: DenseMatrix;
  /** m×p and n×p orthonormal, p = min(m, n), column-major. */
  readonly U0: Matrix;
  readonly V0: Matrix;
  readonly values: Float64Array;
}

export function plantedBase(rng: Rng, m: number, n: number, sigma: (i: number) => number): PlantedBase {
  const p = Math.min(m, n);
  const values = Float64Array.from({ length: p }, (_, i) => sigma(i));
  const U0 = orthonormal(rng, m, p);
  const V0 = orthonormal(rng, n, p);
  const scaled = { rows: m, cols: p, data: U0.data.slice() };
  for (let j = 0; j < p; j++) for (let i = 0; i < m; i++) scaled.data[j * m + i] *= values[j];
  return { W0: { rows: m, cols: n, values: rowMajor(multiply(scaled, transpose(V0))) }, U0, V0, values };
}

/** Row-major data of a column-major matrix. */
export function rowMajor(X: Matrix): Float64Array {
  const out = new Float64Array(X.rows * X.cols);
  for (let j = 0; j < X.cols; j++) for (let i = 0; i < X.rows; i++) out[i * X.cols + j] = X.data[j * X.rows + i];
  return out;
}

/** Column-major copy of a row-major dense weight (float64). */
export function columnMajor(W: DenseMatrix): Matrix {
  const out = new Float64Array(W.rows * W.cols);
  for (let i = 0; i < W.rows; i++) for (let j = 0; j < W.cols; j++) out[j * W.rows + i] = W.values[i * W.cols + j];
  return { rows: W.rows, cols: W.cols, data: out };
}

/** Columns [from, to) of a column-major matrix. */
export function cols(X: Matrix, from: number, to: number): Matrix {
  return { rows: X.rows, cols: to - from, data: X.data.slice(from * X.rows, to * X.rows) };
}
