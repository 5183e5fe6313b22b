import { gramOfColumns, gramOfRows, solveSpd, transposeMultiplyVector, type Rows } from './dense';

/** A linear model on standardized features: ŷ = z·w + bias. */
export interface LinearFit {
  readonly weights: Float64Array;
  readonly bias: number;
}

/**
 * Ridge regression in closed form on standardized features z (columns centred): the intercept
 * is ȳ and w minimizes ‖z·w − (y − ȳ)‖² + λ‖w‖². With p ≤ n features it solves the primal
 * (zᵀz + λI) w = zᵀ(y − ȳ); with more features than samples (the raw-factor baseline has
 * hundreds) it solves the dual (z·zᵀ + λI) α = y − ȳ, w = zᵀα, the same minimizer at n×n cost.
 */
export function fitRidge(z: Rows, y: Float64Array, lambda: number): LinearFit {
  if (!(lambda > 0)) throw new RangeError(`ridge needs λ > 0 (got ${lambda})`);
  const n = z.rows;
  const bias = y.reduce((a, b) => a + b, 0) / n;
  const centred = y.map((v) => v - bias);
  if (z.cols <= n) {
    const G = gramOfColumns(z);
    for (let i = 0; i < z.cols; i++) G[i * z.cols + i] += lambda;
    return { weights: solveSpd(G, z.cols, transposeMultiplyVector(z, centred)), bias };
  }
  const K = gramOfRows(z);
  for (let i = 0; i < n; i++) K[i * n + i] += lambda;
  return { weights: transposeMultiplyVector(z, solveSpd(K, n, centred)), bias };
}

/**
 * The λ grid searched by inner cross-validation, as multiples of the training-set size n (the
 * Gram's diagonal is n for standardized columns, so λ/n is the shrinkage relative to the data).
 */
export const RIDGE_LAMBDA_GRID = [1e-3, 1e-2, 1e-1, 1, 10, 100] as const;
