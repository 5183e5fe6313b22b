import { throwIfCancelled, type CancellationToken } from '../cancellation';
import { denseSvd } from '../linalg/denseSvd';

/** The top Ritz triplet of a Golub–Kahan–Lanczos run, with what bounds its accuracy. */
export interface LanczosTop {
  readonly sigma: number;
  /** The second Ritz value (0 with one step): a lower bound on the operator's σ2. */
  readonly second: number;
  /** ‖ΔWᵀu − σ·v‖ (ΔW·v − σ·u is zero by construction): σ is within it of a singular value. */
  readonly residual: number;
  readonly u: Float64Array;
  readonly v: Float64Array;
  /** Whether `stop` accepted the triplet (false: the step cap came first). */
  readonly stopped: boolean;
}

export interface LanczosOptions {
  /** Right vectors are kept orthogonal to this unit vector: the run sees ΔW·(I − w·wᵀ). */
  readonly deflate?: Float64Array;
  readonly maxSteps: number;
  /**
   * Run on ΔWᵀ instead (u, v, `deflate` then belong to ΔWᵀ). Callers pass it when m < n: the
   * right space must be the one that runs out first, where β_k = 0 makes the residual exact.
   */
  readonly transpose?: boolean;
  readonly seed: number;
  /** Accept the current top triplet (σ1, σ2 Ritz values, residual of the top one). */
  readonly stop: (sigma: number, second: number, residual: number) => boolean;
  readonly token?: CancellationToken;
}

/**
 * Golub–Kahan–Lanczos bidiagonalization of ΔW (m×n column-major) with full reorthogonalization
 * (Golub & Van Loan, Matrix Computations §10.4): ΔW·V_k = U_k·B_k, B_k upper bidiagonal, and
 * ΔWᵀ·U_k = V_k·B_kᵀ + β_k·v_{k+1}·e_kᵀ. The SVD B_k = X·Σ·Yᵀ gives Ritz triplets (U_k·x, σ, V_k·y)
 * whose residual is exactly β_k·|x_k| (ΔW·v = σ·u holds by construction), so the stop rule needs no
 * extra pass. The Ritz values interlace from below: each is a lower bound on the matching singular
 * value. On the top pair it converges like Lanczos on ΔWᵀΔW, far faster than subspace iteration
 * when σ2/σ1 is near 1. A breakdown (an exactly invariant subspace: a rank-1 ΔW after one step)
 * continues from a fresh vector orthogonal to the basis, with α or β zero, so the relations hold.
 * Yields to the event loop at each check so a cancellation can land.
 */
export async function lanczosTop(D: Float64Array, m: number, n: number, options: LanczosOptions): Promise<LanczosTop> {
  const { deflate } = options;
  const [rows, cols] = options.transpose ? [n, m] : [m, n];
  const mul = options.transpose ? (x: Float64Array) => timesTransposed(D, m, n, x) : (x: Float64Array) => times(D, m, n, x);
  const mulT = options.transpose ? (y: Float64Array) => times(D, m, n, y) : (y: Float64Array) => timesTransposed(D, m, n, y);
  const room = Math.min(rows, cols - (deflate ? 1 : 0));
  // Nothing left beside the deflated vector: the operator is zero there.
  if (room < 1) return { sigma: 0, second: 0, residual: 0, u: new Float64Array(rows), v: new Float64Array(cols), stopped: true };
  const steps = Math.min(options.maxSteps, room);
  let scale = 0;
  for (const x of D) scale += x * x;
  const tiny = 1e-14 * Math.sqrt(scale);
  const random = generator(options.seed);
  const U: Float64Array[] = [];
  const V: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  V.push(unitOrthogonal(random, cols, deflate ? [deflate] : [], null));
  let best: Omit<LanczosTop, 'stopped'> | null = null;
  let nextCheck = 1;
  for (let k = 1; k <= steps; k++) {
    const v = V[k - 1];
    const p = mul(v);
    if (k > 1) axpy(p, -beta[k - 2], U[k - 2]);
    const a = reorthogonalize(p, U, null);
    alpha.push(a > tiny ? a : 0);
    U.push(a > tiny ? scaled(p, 1 / a) : unitOrthogonal(random, rows, U, null));
    const q = mulT(U[k - 1]);
    axpy(q, -alpha[k - 1], v);
    const b = reorthogonalize(q, V, deflate ?? null);
    beta.push(b > tiny ? b : 0);
    if (k === nextCheck || k === steps) {
      const ritz = ritzTop(U, V, alpha, beta, rows, cols);
      best = ritz;
      if (options.stop(ritz.sigma, ritz.second, ritz.residual)) return { ...ritz, stopped: true };
      nextCheck = k + Math.max(4, Math.floor(k / 8));
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      throwIfCancelled(options.token);
    }
    if (k < steps) V.push(b > tiny ? scaled(q, 1 / b) : unitOrthogonal(random, cols, deflate ? [...V, deflate] : V, null));
  }
  return { ...(best ?? ritzTop(U, V, alpha, beta, rows, cols)), stopped: false };
}

function ritzTop(U: Float64Array[], V: Float64Array[], alpha: number[], beta: number[], m: number, n: number): Omit<LanczosTop, 'stopped'> {
  const k = alpha.length;
  const B = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    B[j * k + j] = alpha[j];
    if (j > 0) B[j * k + j - 1] = beta[j - 1];
  }
  const svd = denseSvd({ rows: k, cols: k, data: B });
  const X = svd.U?.data ?? new Float64Array(k * k).fill(0);
  const Y = svd.V?.data ?? new Float64Array(k * k).fill(0);
  const u = new Float64Array(m);
  const v = new Float64Array(n);
  for (let j = 0; j < k; j++) {
    axpy(u, X[j], U[j]);
    axpy(v, Y[j], V[j]);
  }
  return { sigma: svd.values[0], second: svd.values[1] ?? 0, residual: beta[k - 1] * Math.abs(X[k - 1]), u, v };
}

/** Two passes of classical Gram–Schmidt (enough in floating point: Giraud et al. 2005); returns the norm left. */
function reorthogonalize(x: Float64Array, basis: readonly Float64Array[], extra: Float64Array | null): number {
  for (let pass = 0; pass < 2; pass++) {
    for (const q of basis) axpy(x, -dot(q, x), q);
    if (extra) axpy(x, -dot(extra, x), extra);
  }
  return Math.sqrt(dot(x, x));
}

/** A fresh unit vector orthogonal to `basis` (and `extra`), from the run's own seeded stream. */
function unitOrthogonal(random: () => number, length: number, basis: readonly Float64Array[], extra: Float64Array | null): Float64Array {
  for (;;) {
    const x = Float64Array.from({ length }, () => random() - 0.5);
    const norm = reorthogonalize(x, basis, extra);
    if (norm > 1e-8) return scaled(x, 1 / norm);
  }
}

/** A small deterministic stream (xorshift32): the result must not depend on a seed the caller carries. */
function generator(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function axpy(y: Float64Array, a: number, x: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
}

function scaled(x: Float64Array, a: number): Float64Array {
  for (let i = 0; i < x.length; i++) x[i] *= a;
  return x;
}

/** ΔW·x for ΔW m×n column-major. */
function times(D: Float64Array, m: number, n: number, x: Float64Array): Float64Array {
  const out = new Float64Array(m);
  for (let j = 0; j < n; j++) {
    const xj = x[j];
    if (xj === 0) continue;
    for (let i = 0, o = j * m; i < m; i++) out[i] += D[o + i] * xj;
  }
  return out;
}

/** ΔWᵀ·y for ΔW m×n column-major. */
function timesTransposed(D: Float64Array, m: number, n: number, y: Float64Array): Float64Array {
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let i = 0, o = j * m; i < m; i++) sum += D[o + i] * y[i];
    out[j] = sum;
  }
  return out;
}
