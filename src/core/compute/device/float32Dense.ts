import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { Matrix } from '../../linalg/matrix';
import type { DenseEngine, DenseMatrix } from '../dense';
import { encodeModel, type OnnxGraph } from '../onnx/onnxModel';
import { float32ProductGraph, float32TransposedProductGraph } from '../onnx/float32Graphs';
import { loadOrt } from '../ort/runtime';

/**
 * Products with a dense weight on onnxruntime in float32 throughout, for WebGPU (which has no
 * float64; tests run the same engine on the CPU provider, where no adapter is needed): W is uploaded as float32 (exact for BF16/F16/F32 weights; an F64 weight is
 * rounded), the thin X or Y is rounded to float32, and the result is widened back to float64.
 * Only the randomized SVD of base weights uses it: its residual estimate covers what the basis
 * misses, and `unitRoundoff` makes randomizedSvd add a term for the products' own rounding. Sessions run on the named provider
 * alone (CPU fallback disabled): a node WebGPU cannot take fails the session, never quietly
 * running on the CPU under a WebGPU label.
 */
export class Float32DenseEngine implements DenseEngine {
  readonly unitRoundoff = 2 ** -24;
  private readonly sessions = new Map<string, Promise<InferenceSession>>();

  constructor(readonly provider: 'webgpu' | 'cpu' = 'webgpu') {}

  get name(): string {
    return `onnxruntime ${this.provider} (float32)`;
  }

  async times(W: DenseMatrix, X: Matrix): Promise<Matrix> {
    const C = await this.product(float32ProductGraph(), W, X);
    return { rows: W.rows, cols: X.cols, data: widenTransposed(C, W.rows, X.cols) };
  }

  async timesTransposed(W: DenseMatrix, Y: Matrix): Promise<Matrix> {
    const C = await this.product(float32TransposedProductGraph(), W, Y);
    return { rows: W.cols, cols: Y.cols, data: widenTransposed(C, W.cols, Y.cols) };
  }

  async dispose(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) await (await s.catch(() => null))?.release();
  }

  /** Row-major float32 result of W·X (or Wᵀ·X) for a column-major thin X. */
  private async product(graph: OnnxGraph, W: DenseMatrix, X: Matrix): Promise<Float32Array> {
    const ort = loadOrt();
    const w = W.values instanceof Float32Array ? W.values : Float32Array.from(W.values);
    // Column-major X (k×l) read as row-major is Xᵀ: transposing gives the row-major k×l ORT wants.
    const x = new Float32Array(X.rows * X.cols);
    for (let i = 0; i < X.rows; i++) for (let j = 0; j < X.cols; j++) x[i * X.cols + j] = X.data[j * X.rows + i];
    const session = await this.session(graph);
    const out = (await session.run({ A: new ort.Tensor('float32', w, [1, W.rows, W.cols]), B: new ort.Tensor('float32', x, [1, X.rows, X.cols]) })) as Record<string, Tensor>;
    return out.C.data as Float32Array;
  }

  private session(graph: OnnxGraph): Promise<InferenceSession> {
    let s = this.sessions.get(graph.name);
    if (!s) {
      s = loadOrt().InferenceSession.create(encodeModel(graph), {
        executionProviders: [this.provider],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 4,
        // On the CPU provider itself the flag would refuse every node.
        ...(this.provider === 'webgpu' ? { extra: { session: { disable_cpu_ep_fallback: '1' } } } : {}),
      });
      this.sessions.set(graph.name, s);
    }
    return s;
  }
}

/** A row-major float32 rows×cols array as a column-major float64 one. */
function widenTransposed(data: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j];
  return out;
}
