import { multiplyVector, solveRegularized, transposeMultiplyVector, type Rows } from './dense';
import type { LinearFit } from './ridge';

/**
 * L2 penalty of logistic regression, as a multiple of n (λ = 1e-2·n). Without one a separable
 * training set (common with a few dozen adapters) has no maximum-likelihood solution and IRLS
 * runs the weights to infinity; with it the problem is strictly convex and Newton converges.
 */
const LOGISTIC_LAMBDA_PER_SAMPLE = 1e-2;

/** Newton stops when the largest change of a weight falls below this, or after MAX_ITERATIONS. */
const TOLERANCE = 1e-10;
const MAX_ITERATIONS = 100;
/** IRLS weights p(1 − p) are floored here so a confidently classified row cannot vanish from the system. */
const MIN_WEIGHT = 1e-10;

export function sigmoid(t: number): number {
  return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
}

/**
 * Binary logistic regression by IRLS (Newton's method) on standardized features z, targets
 * y ∈ {0, 1}: minimizes −Σ [y log p + (1 − y) log(1 − p)] + (λ/2)‖w‖², p = σ(z·w + b), the
 * bias unpenalized. Each step solves the penalized weighted system by solveRegularized; the
 * bias is folded in as a column of ones with its own tiny penalty (1e-8·λ) so it stays free.
 */
export function fitLogistic(z: Rows, y: Float64Array, lambda = LOGISTIC_LAMBDA_PER_SAMPLE * z.rows): LinearFit {
  const n = z.rows;
  const p = z.cols + 1;
  const x = new Float64Array(n * p);
  for (let r = 0; r < n; r++) {
    x.set(z.data.subarray(r * z.cols, (r + 1) * z.cols), r * p);
    x[r * p + z.cols] = 1;
  }
  const design: Rows = { rows: n, cols: p, data: x };
  const biasScale = 1e4;
  for (let r = 0; r < n; r++) x[r * p + z.cols] = biasScale;
  let beta = new Float64Array(p);
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    const eta = multiplyVector(design, beta);
    const prob = eta.map(sigmoid);
    const w = prob.map((q) => Math.max(MIN_WEIGHT, q * (1 - q)));
    const sqrtW = w.map(Math.sqrt);
    const grad = transposeMultiplyVector(
      design,
      prob.map((q, i) => q - y[i]),
    );
    for (let k = 0; k < z.cols; k++) grad[k] += lambda * beta[k];
    grad[z.cols] += lambda * beta[z.cols];
    const weighted = new Float64Array(n * p);
    for (let r = 0; r < n; r++) for (let k = 0; k < p; k++) weighted[r * p + k] = sqrtW[r] * x[r * p + k];
    const step = solveRegularized({ rows: n, cols: p, data: weighted }, lambda, grad);
    beta = beta.map((b, k) => b - step[k]);
    if (step.reduce((a, b) => Math.max(a, Math.abs(b)), 0) < TOLERANCE) break;
  }
  return { weights: beta.slice(0, z.cols), bias: beta[z.cols] * biasScale };
}
