import type { TallFactor } from '../../../src/core/compute/backend';
import { multiply, type Matrix } from '../../../src/core/linalg/matrix';
import { logSpaced } from '../../helpers/factors';
import type { Rng } from '../../helpers/random';
import { columns, orthonormal, rotateTowards } from '../subspace/plantedModules';

/**
 * Factor pairs with known overlaps: T1 = [Qa E]·G1 and T2 = Q2·G2, where Q2 = Qa·cos θ + Q⊥·sin θ
 * column by column and E, Q⊥ are orthogonal to Qa and to each other. Then σ(Q1ᵀQ2) = cos θ and
 * σ(R_Z) = sin θ exactly, whatever G1, G2 (of condition number `cond`) do to the factors.
 */
export interface PlantedPair {
  readonly first: Matrix;
  readonly second: Matrix;
  /** The planted angles (radians), r of them. */
  readonly theta: Float64Array;
  /** σ(G1), σ(G2): the singular values R1 and R2 must have. */
  readonly sigma: readonly [Float64Array, Float64Array];
}

/** A random r×r matrix with singular values spread log-uniformly over `cond`, times 10^u (u ∈ [−2, 2]). */
function conditioned(rng: Rng, r: number, cond: number): { G: Matrix; sigma: Float64Array } {
  const scale = 10 ** (4 * rng.next() - 2);
  const sigma = logSpaced(r, cond).map((x) => x * scale);
  const U = orthonormal(rng, r, r);
  for (let j = 0; j < r; j++) for (let i = 0; i < r; i++) U.data[j * r + i] *= sigma[j];
  return { G: multiply(U, orthonormal(rng, r, r)), sigma };
}

export function plantedPair(rng: Rng, d: number, r: number, extra: number, theta: Float64Array, cond: number): PlantedPair {
  const Q = orthonormal(rng, d, 2 * r + extra);
  const Q2 = rotateTowards(columns(Q, 0, r), columns(Q, r + extra, 2 * r + extra), theta);
  const g1 = conditioned(rng, r + extra, cond);
  const g2 = conditioned(rng, r, cond);
  return { first: multiply(columns(Q, 0, r + extra), g1.G), second: multiply(Q2, g2.G), theta, sigma: [g1.sigma, g2.sigma] };
}

/** A column-major d×r matrix as a stored factor: `wide` (as is) or `tall` (row-major copy), float64 or float32. */
export function stored(X: Matrix, layout: 'tall' | 'wide', precision: 'float64' | 'float32' = 'float64'): TallFactor {
  let values: Float64Array | Float32Array = X.data.slice();
  if (layout === 'tall') {
    values = new Float64Array(X.rows * X.cols);
    for (let i = 0; i < X.rows; i++) for (let j = 0; j < X.cols; j++) values[i * X.cols + j] = X.data[j * X.rows + i];
  }
  return { rows: X.rows, cols: X.cols, layout, values: precision === 'float32' ? Float32Array.from(values) : values };
}
