import type { Matrix } from '../linalg/matrix';

/** A dense weight matrix as stored: m×n row-major (float32 where exact, else float64). */
export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly values: Float32Array | Float64Array;
}

/**
 * The two products randomized subspace iteration needs with a large dense W: W·X and Wᵀ·Y,
 * with thin X (n×l) and Y (m×l), l ≪ m, n. Products accumulate in float64.
 */
export interface DenseEngine {
  readonly name: string;
  /**
   * The unit roundoff of the products when coarser than float64's (2⁻²⁴ for float32 engines);
   * randomizedSvd widens its a-posteriori bound by the products' rounding then.
   */
  readonly unitRoundoff?: number;
  /** W·X: (m×n)·(n×l) → m×l, column-major. */
  times(W: DenseMatrix, X: Matrix): Promise<Matrix>;
  /** Wᵀ·Y: (n×m)·(m×l) → n×l, column-major. */
  timesTransposed(W: DenseMatrix, Y: Matrix): Promise<Matrix>;
  dispose(): Promise<void>;
}

/** The float64 reference engine (plain loops; slow on large weights, exact enough to test against). */
export class JsDenseEngine implements DenseEngine {
  readonly name = 'js';

  async times(W: DenseMatrix, X: Matrix): Promise<Matrix> {
    const { rows: m, cols: n, values } = W;
    const l = X.cols;
    const out = new Float64Array(m * l);
    for (let i = 0; i < m; i++) {
      const row = i * n;
      for (let j = 0; j < l; j++) {
        const col = j * n;
        let s = 0;
        for (let t = 0; t < n; t++) s += values[row + t] * X.data[col + t];
        out[j * m + i] = s;
      }
    }
    return { rows: m, cols: l, data: out };
  }

  async timesTransposed(W: DenseMatrix, Y: Matrix): Promise<Matrix> {
    const { rows: m, cols: n, values } = W;
    const l = Y.cols;
    const out = new Float64Array(n * l);
    for (let j = 0; j < l; j++) {
      const dst = j * n;
      for (let i = 0; i < m; i++) {
        const y = Y.data[j * m + i];
        if (y === 0) continue;
        const row = i * n;
        for (let t = 0; t < n; t++) out[dst + t] += values[row + t] * y;
      }
    }
    return { rows: n, cols: l, data: out };
  }

  async dispose(): Promise<void> {}
}
