import type { DenseEngine, DenseMatrix } from '../compute/dense';
import { householderQR } from '../linalg/householder';
import { jacobiSvd } from '../linalg/jacobiSvd';
import { multiply, type Matrix } from '../linalg/matrix';

export interface RandomizedSvdOptions {
  /** How many singular triplets. */
  readonly k: number;
  /** Extra sample columns (Halko et al. recommend 5–10); default 10. */
  readonly oversample?: number;
  /** Power (subspace) iterations; each sharpens the basis by another factor (σ_{k+p}/σ_k)². Default 2. */
  readonly iterations?: number;
  /** Random probes for the a-posteriori error estimate; default 6 (failure probability 10⁻⁶). */
  readonly probes?: number;
  /** Source of standard normal samples (tests pass a seeded one). */
  readonly gaussian?: () => number;
  /**
   * A starting sample Ω (n×l, l ≥ k) used instead of a Gaussian one, e.g. a known basis to warm
   * start from; `oversample` is then ignored. The residual bound's probes stay Gaussian.
   */
  readonly start?: Matrix;
}

/** The top-k singular triplets of W, with a bound on their error. */
export interface TopSvd {
  /** σ̂_1 ≥ … ≥ σ̂_k. Each is at most the true σ_i (they are the σ of a projection of W). */
  readonly values: Float64Array;
  /** Left singular vectors, m×k, orthonormal columns (column-major). */
  readonly U: Matrix;
  /** Right singular vectors, n×k, orthonormal columns (column-major). */
  readonly V: Matrix;
  /**
   * ε̂ ≥ ‖(I − QQᵀ)W‖₂ with probability ≥ 1 − 10^(−probes) (Halko et al. 2011, §4.3): then for
   * every i ≤ k, 0 ≤ σ_i − σ̂_i ≤ ε̂² / (2σ̂_i), since σ_i² ≤ σ̂_i² + ‖(I − QQᵀ)W‖₂².
   */
  readonly residualBound: number;
}

/**
 * A linear map R^cols → R^rows known only through its products with thin matrices, so that
 * W0 + ΔW (dense plus low-rank, src/core/base/lowRankUpdate.ts) need never be formed.
 */
export interface LinearOperator {
  readonly rows: number;
  readonly cols: number;
  /** W·X: X is cols×l, the result rows×l, both column-major. */
  times(X: Matrix): Promise<Matrix>;
  /** Wᵀ·Y: Y is rows×l, the result cols×l, both column-major. */
  timesTransposed(Y: Matrix): Promise<Matrix>;
  /** The products' unit roundoff when coarser than float64 (see DenseEngine.unitRoundoff). */
  readonly unitRoundoff?: number;
}

/** A dense weight on an engine, as an operator. */
export function denseOperator(W: DenseMatrix, engine: DenseEngine): LinearOperator {
  return {
    rows: W.rows,
    cols: W.cols,
    times: (X) => engine.times(W, X),
    timesTransposed: (Y) => engine.timesTransposed(W, Y),
    ...(engine.unitRoundoff === undefined ? {} : { unitRoundoff: engine.unitRoundoff }),
  };
}

/**
 * Randomized subspace iteration (Halko, Martinsson & Tropp 2011, Algorithm 4.4): Y = W·Ω with a
 * Gaussian Ω (n×l, l = k + oversample), then `iterations` rounds of Q ← orth(W·orth(Wᵀ·Q)),
 * then the small SVD of B = QᵀW. The products with W (the whole cost, O(m·n·l) each) run on the
 * engine; the thin orthonormalizations are Householder QR in float64, exact however ill
 * conditioned the iterations make Y; B's SVD is an l×l Jacobi SVD. W is read, never changed.
 */
export function randomizedSvd(W: DenseMatrix, engine: DenseEngine, options: RandomizedSvdOptions): Promise<TopSvd> {
  return randomizedSvdOf(denseOperator(W, engine), options);
}

/** The same algorithm and bound as `randomizedSvd`, for any operator (e.g. W0 + X·Σ·Yᵀ unformed). */
export async function randomizedSvdOf(W: LinearOperator, options: RandomizedSvdOptions): Promise<TopSvd> {
  const { rows: m, cols: n } = W;
  const k = Math.min(options.k, m, n);
  const l = Math.min(k + (options.oversample ?? 10), m, n);
  const gaussian = options.gaussian ?? standardNormal;
  const omega: Matrix = options.start ?? { rows: n, cols: l, data: Float64Array.from({ length: n * l }, gaussian) };
  if (omega.rows !== n || omega.cols < k) throw new RangeError(`start is ${omega.rows}×${omega.cols}; it must be ${n}×l with l ≥ ${k}`);
  let Q = orthonormal(await W.times(omega));
  for (let i = 0; i < (options.iterations ?? 2); i++) {
    const Z = orthonormal(await W.timesTransposed(Q));
    Q = orthonormal(await W.times(Z));
  }
  // Bᵀ = WᵀQ (n×l) = Q_Z·R; B = Rᵀ·Q_Zᵀ; Rᵀ = Ũ·Σ·Ṽᵀ gives B = Ũ·Σ·(Q_Z·Ṽ)ᵀ.
  const { Q: QZ, R } = householderQR(await W.timesTransposed(Q));
  const small = jacobiSvd(transposeSmall(R), true);
  const Uhat = small.U as Matrix;
  const Vhat = small.V as Matrix;
  const U = firstColumns(multiply(Q, Uhat), k);
  const V = firstColumns(multiply(QZ, Vhat), k);
  const residual = await estimateResidual(W, Q, options.probes ?? 6, gaussian);
  return { values: small.values.slice(0, k), U, V, residualBound: residual + roundingTerm(W, small.values[0] ?? 0, residual) };
}

/**
 * What coarse products (float32 on WebGPU) add to the error: each computed product has a
 * normwise error of about √d·u·‖W‖₂ (d the inner dimension; the probabilistic rounding bound of
 * Higham & Mary 2019, with λ = 10 for a failure probability far below the estimate's own), and
 * ‖W‖₂ ≤ √(σ̂1² + ε̂²). Zero for float64 products, whose rounding is far below ε̂.
 */
function roundingTerm(W: LinearOperator, sigma1: number, residual: number): number {
  if (W.unitRoundoff === undefined) return 0;
  return 10 * Math.sqrt(Math.max(W.rows, W.cols)) * W.unitRoundoff * Math.hypot(sigma1, residual);
}

/** Orthonormal basis of the columns of Y (thin Householder Q). */
function orthonormal(Y: Matrix): Matrix {
  return householderQR({ rows: Y.rows, cols: Y.cols, data: Y.data.slice() }).Q;
}

/**
 * 10·√(2/π)·max_j ‖(I − QQᵀ)W·ω_j‖ over `probes` Gaussian vectors bounds ‖(I − QQᵀ)W‖₂ with
 * probability at least 1 − 10^(−probes) (Halko et al. 2011, Lemma 4.1 and eq. 4.3).
 */
async function estimateResidual(W: LinearOperator, Q: Matrix, probes: number, gaussian: () => number): Promise<number> {
  const n = W.cols;
  const m = W.rows;
  const omega: Matrix = { rows: n, cols: probes, data: Float64Array.from({ length: n * probes }, gaussian) };
  const Y = await W.times(omega);
  let worst = 0;
  for (let j = 0; j < probes; j++) {
    const y = Y.data.subarray(j * m, (j + 1) * m);
    const r = y.slice();
    for (let c = 0; c < Q.cols; c++) {
      const q = Q.data.subarray(c * m, (c + 1) * m);
      let dot = 0;
      for (let i = 0; i < m; i++) dot += q[i] * y[i];
      for (let i = 0; i < m; i++) r[i] -= dot * q[i];
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += r[i] * r[i];
    worst = Math.max(worst, Math.sqrt(norm));
  }
  return 10 * Math.sqrt(2 / Math.PI) * worst;
}

function transposeSmall(R: Matrix): Matrix {
  const out = new Float64Array(R.rows * R.cols);
  for (let j = 0; j < R.cols; j++) for (let i = 0; i < R.rows; i++) out[i * R.cols + j] = R.data[j * R.rows + i];
  return { rows: R.cols, cols: R.rows, data: out };
}

function firstColumns(M: Matrix, k: number): Matrix {
  return { rows: M.rows, cols: k, data: M.data.slice(0, M.rows * k) };
}

/** Box–Muller standard normals (for callers that bring no generator). */
function standardNormal(): number {
  let u = 0;
  while (u === 0) u = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
}
