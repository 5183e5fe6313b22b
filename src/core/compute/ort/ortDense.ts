import type { Matrix } from '../../linalg/matrix';
import type { DenseEngine, DenseMatrix } from '../dense';
import { productGraph, transposedProductGraph } from '../onnx/graphs';
import { loadOrt, OrtSessions, type DeviceChoice } from './runtime';

/**
 * Products with a dense weight on onnxruntime (CUDA or CPU), in float64 with the weight cast
 * inside the graph. ORT tensors are row-major: a thin column-major n×l matrix is the row-major
 * l×n one, so it is transposed on the host (cheap, l ≪ n) before and after.
 */
export class OrtDenseEngine implements DenseEngine {
  readonly sessions: OrtSessions;

  constructor(device: DeviceChoice = 'auto', threads?: number) {
    loadOrt();
    this.sessions = new OrtSessions(device, threads);
  }

  get name(): string {
    return `onnxruntime ${this.sessions.provider ?? 'not started'}`;
  }

  async times(W: DenseMatrix, X: Matrix): Promise<Matrix> {
    const C = await this.product(W, X, false);
    return { rows: W.rows, cols: X.cols, data: transposed(C, W.rows, X.cols) };
  }

  async timesTransposed(W: DenseMatrix, Y: Matrix): Promise<Matrix> {
    const C = await this.product(W, Y, true);
    return { rows: W.cols, cols: Y.cols, data: transposed(C, W.cols, Y.cols) };
  }

  async dispose(): Promise<void> {
    await this.sessions.dispose();
  }

  /** Row-major result of W·X or Wᵀ·X. */
  private async product(W: DenseMatrix, X: Matrix, transpose: boolean): Promise<Float64Array> {
    const ort = loadOrt();
    const type = W.values instanceof Float32Array ? 'float' : 'double';
    const a = new ort.Tensor(type === 'float' ? 'float32' : 'float64', W.values, [1, W.rows, W.cols]);
    // Column-major X (k×l) read as row-major is Xᵀ; transpose it to row-major k×l.
    const b = new ort.Tensor('float64', transposed(X.data, X.cols, X.rows), [1, X.rows, X.cols]);
    const graph = transpose ? transposedProductGraph(type) : productGraph(type);
    const out = await this.sessions.run(graph, { A: a, B: b });
    return out.C.data as Float64Array;
  }
}

/** The transpose of a row-major rows×cols array (equivalently: row-major ↔ column-major). */
function transposed(data: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j];
  return out;
}
