import { randomizedSvdOf, type LinearOperator, type TopSvd } from '../analysis/randomizedSvd';
import type { Matrix } from '../linalg/matrix';
import type { SubspaceBasis } from '../subspace/bases';
import { lowRankUpdate } from './lowRankUpdate';
import { vectorErrorBounds } from './vectorErrors';

/** ε of Shuttleworth et al.: a tuned direction whose best match with W0 is below it is an intruder. */
export const INTRUDER_EPSILON = 0.5;

/** Intruder dimensions of one module (Shuttleworth et al. 2024, "LoRA vs full fine-tuning: an illusion of equivalence"). */
export interface Intruders {
  /** k: how many top left singular vectors of W0 + ΔW are tested. */
  readonly k: number;
  /** K: how many top left singular vectors of W0 they are matched against. */
  readonly kBase: number;
  readonly epsilon: number;
  /** For each tested vector u_i (descending σ_i of W0 + ΔW): max_{j<K} |u_iᵀ·u0_j|. */
  readonly bestCosines: Float64Array;
  /**
   * For each tested vector: ‖U0[:, :K]ᵀ·u_i‖, its cosine with W0's whole top-K subspace (≥ the
   * best single cosine). A tuned vector with a high subspace cosine but a low best cosine is a
   * rotation inside a cluster of near-equal σ of W0, not a new direction.
   */
  readonly subspaceCosines: Float64Array;
  /** 0-based ranks i among the top k of W0 + ΔW whose best cosine is below ε. */
  readonly indices: readonly number[];
  readonly count: number;
  /** sin θ bounds of the tested vectors of W0 + ΔW (`vectorErrorBounds`). */
  readonly vectorErrors: Float64Array;
  /** sin θ bounds of W0's K vectors. */
  readonly baseVectorErrors: Float64Array;
  /**
   * How many tested vectors could fall on the other side of ε given those bounds. A cosine moves
   * at most by the distance its two unit vectors move, and a unit vector within angle θ of another
   * (θ ≤ π/2, signs aligned) is within √2·sin θ of it, so the true |u_iᵀu0_j| lies within
   * d_ij = √2·(sin θ_i + sin θ0_j) of the computed c_ij. An intruder (max_j c_ij < ε) is
   * determined when every c_ij + d_ij < ε; a non-intruder when some c_ij − d_ij ≥ ε. A flat
   * stretch of W0's spectrum leaves vectors unresolved and the classification undetermined, not
   * miscounted.
   */
  readonly uncertain: number;
  /** σ̂ of W0 + ΔW, and the randomized SVD's residual bound for them. */
  readonly tunedValues: Float64Array;
  readonly tunedResidualBound: number;
}

/**
 * The top-k left singular vectors of W0 + ΔW (randomized subspace iteration on the unformed
 * operator W0 + X·Σ·Yᵀ), each matched against W0's top K left singular vectors by |cosine|; the
 * ones with no match ≥ ε are intruders. The paper matches against all of W0's vectors; K = 2k
 * (the caller's default) is the affordable stand-in: a tuned direction among the top k that
 * matched only W0's vectors past 2k would have moved up more than k places, which is what an
 * intruder is anyway. Left vectors (the output space), as in the paper's figures.
 *
 * The iteration for W0 + ΔW is warm-started from [V0 (W0's K right vectors) | Y (ΔW's) | 5
 * Gaussian columns] rather than a fresh Gaussian sample: both SVDs then see the same subspace
 * wherever ΔW leaves it alone, so a vector of a slowly converging (flat) part of W0's spectrum
 * is not called an intruder merely because two independent random starts landed on different
 * rotations of it. Accurate vectors still need a gap: see `subspaceCosines`.
 * `W0` is W0 as an operator (see `denseOperator`); `base` its top SVD with K = `kBase` triplets
 * or, better, K + 1: K vectors are matched against, an extra value only bounds the last one's gap.
 */
export async function intruderDimensions(
  W0: LinearOperator,
  base: TopSvd,
  kBase: number,
  basis: SubspaceBasis,
  k: number,
  options: { epsilon?: number; gaussian?: () => number } = {},
): Promise<Intruders> {
  const epsilon = options.epsilon ?? INTRUDER_EPSILON;
  const p = basis.rank;
  const tunedOp = lowRankUpdate(W0, { rows: basis.X.rows, cols: p, data: basis.X.data.subarray(0, basis.X.rows * p) }, basis.sigma, {
    rows: basis.Y.rows,
    cols: p,
    data: basis.Y.data.subarray(0, basis.Y.rows * p),
  });
  const K = Math.min(kBase, base.U.cols);
  const tuned = await randomizedSvdOf(tunedOp, { k: k + 1, gaussian: options.gaussian, start: warmStart(base, K, basis.Y, p, options.gaussian) });
  const m = W0.rows;
  const kt = Math.min(k, tuned.U.cols);
  const vectorErrors = await vectorErrorBounds(tunedOp, tuned, kt);
  const baseVectorErrors = await vectorErrorBounds(W0, base, K);
  let uncertain = 0;
  const bestCosines = new Float64Array(kt);
  const subspaceCosines = new Float64Array(kt);
  const indices: number[] = [];
  for (let i = 0; i < kt; i++) {
    const u = tuned.U.data.subarray(i * m, (i + 1) * m);
    let best = 0;
    let squares = 0;
    let couldMatch = false;
    let surelyMatches = false;
    for (let j = 0; j < K; j++) {
      const v = base.U.data.subarray(j * m, (j + 1) * m);
      let dot = 0;
      for (let t = 0; t < m; t++) dot += u[t] * v[t];
      const c = Math.abs(dot);
      const d = Math.SQRT2 * (vectorErrors[i] + baseVectorErrors[j]);
      best = Math.max(best, c);
      squares += dot * dot;
      if (c + d >= epsilon) couldMatch = true;
      if (c - d >= epsilon) surelyMatches = true;
    }
    bestCosines[i] = Math.min(1, best);
    subspaceCosines[i] = Math.min(1, Math.sqrt(squares));
    if (best < epsilon) indices.push(i);
    if (best < epsilon ? couldMatch : !surelyMatches) uncertain++;
  }
  const tunedValues = tuned.values.slice(0, kt);
  return {
    k: kt,
    kBase: K,
    epsilon,
    bestCosines,
    subspaceCosines,
    indices,
    count: indices.length,
    vectorErrors,
    baseVectorErrors,
    uncertain,
    tunedValues,
    tunedResidualBound: tuned.residualBound,
  };
}

/** [V0[:, :K] | Y[:, :p] | 5 Gaussian columns], capped at n columns. */
function warmStart(base: TopSvd, K: number, Y: Matrix, p: number, gaussian: (() => number) | undefined): Matrix {
  const n = base.V.rows;
  const extra = 5;
  const l = Math.min(n, K + p + extra);
  const fromV = Math.min(l, K, base.V.cols);
  const data = new Float64Array(n * l);
  data.set(base.V.data.subarray(0, n * fromV));
  const fromY = Math.max(0, Math.min(p, l - fromV));
  data.set(Y.data.subarray(0, n * fromY), n * fromV);
  const normal = gaussian ?? (() => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random()));
  for (let i = n * (fromV + fromY); i < n * l; i++) data[i] = normal();
  return { rows: n, cols: l, data };
}
