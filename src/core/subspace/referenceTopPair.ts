import type { CancellationToken } from '../cancellation';
import { denseSvd } from '../linalg/denseSvd';
import type { MatrixReference } from './referenceFile';
import { lanczosTop } from './referenceLanczos';

/** Up to this many entries the dense SVD is cheap (128×128: a fraction of a second). */
const DENSE_ELEMENTS = 1 << 14;
/**
 * σ1 − σ2 below GAP·σ1 leaves the top pair undetermined (any vector of the top plane is one):
 * the alignments are then not given rather than given for an arbitrary vector.
 */
const GAP = 1e-6;
/** The a-posteriori bound on the angle of u and v that a determined pair must meet (|cos| to ~1e-10). */
const ANGLE = 1e-10;
/** A residual this small relative to σ1 is rounding (ε·√n·‖ΔW‖): no step improves it. */
const FLOOR = 1e-13;
/** Lanczos steps per run; each is two passes over ΔW. A full-rank ΔW with σ2/σ1 ≈ 0.9 needs ~30. */
const MAX_STEPS = 200;
/** Multiply-adds per run (two runs per module): about ten seconds of one core for the largest ΔW. */
const MAX_WORK = 2 ** 33;

/** The top singular pair of a reference ΔW, or why it is not given. */
export type TopPair =
  | { readonly kind: 'determined'; readonly u: Float64Array; readonly v: Float64Array }
  /** σ1 − σ2 < GAP·σ1: the pair is not determined by ΔW itself. */
  | { readonly kind: 'close' }
  /** The work cap came before the bound could tell either way. */
  | { readonly kind: 'unconverged' };

/**
 * The top singular pair (u1, v1) of a reference ΔW (m×n column-major), for the alignments. Small
 * matrices take the dense one-sided Jacobi SVD. Larger ones take two Lanczos runs (lanczosTop):
 * the first gives the Ritz triplet (σ̃1, u, v) with residual ρ1; the second, on ΔW·(I − v·vᵀ) from
 * a fresh start, gives σ̃' with residual ρ', and σ2 ≤ σ1(ΔW·(I − v·vᵀ)) ≤ σ̃' + ρ' (Courant–Fischer).
 * The second run is what sees an exactly repeated σ1, which one Krylov space holds only once. With
 * δ = σ̃1 − (σ̃' + ρ') > 0, Wedin's theorem bounds both angles by ρ1/δ (Stewart & Sun, Matrix
 * Perturbation Theory, V.4). The pair is given when δ ≥ GAP·σ̃1 and ρ1 ≤ max(ANGLE·δ, FLOOR·σ̃1) (at the rounding floor the
 * angle is as small as float64 allows: ≤ FLOOR/GAP); it is `close`
 * when σ̃1 − σ̃' < GAP·σ̃1; otherwise (the cap came first) `unconverged`. Both bounds assume the
 * seeded start has a component along the top vectors, true but for a set of measure zero.
 */
export async function topSingularPair(ref: MatrixReference, token?: CancellationToken): Promise<TopPair> {
  const { rows: m, cols: n, data } = ref;
  if (m * n <= DENSE_ELEMENTS) {
    const svd = denseSvd({ rows: m, cols: n, data });
    if (!svd.U || !svd.V) return { kind: 'unconverged' };
    const values = svd.values;
    if (values.length > 1 && !(values[0] - values[1] > GAP * values[0])) return { kind: 'close' };
    return { kind: 'determined', u: svd.U.data.slice(0, m), v: svd.V.data.slice(0, n) };
  }
  const maxSteps = Math.max(8, Math.min(MAX_STEPS, Math.floor(MAX_WORK / (2 * m * n))));
  // On ΔWᵀ when m < n (u and v swap back below), so the right space is the smaller one.
  const transpose = m < n;
  const run = (seed: number, stop: (sigma: number, second: number, residual: number) => boolean, deflate?: Float64Array) =>
    lanczosTop(data, m, n, { maxSteps, seed, stop, token, transpose, ...(deflate ? { deflate } : {}) });
  // The first stop uses the run's own σ̃2, a lower bound on σ2; when the gap it then finds is
  // smaller, one more run asks for the residual that gap needs.
  let top = await run(0x9e3779b9, (sigma, second, residual) => residual <= Math.max(ANGLE * (sigma - second), FLOOR * sigma));
  for (let attempt = 0; ; attempt++) {
    const sigma = top.sigma;
    if (!(sigma > 0)) return { kind: 'unconverged' };
    // σ̃' is wanted to well within its distance from σ̃1, or to rounding.
    const rest = await run(0x85ebca6b, (second, _, residual) => residual <= Math.max(0.01 * Math.abs(sigma - second), FLOOR * sigma), top.v);
    const gap = sigma - (rest.sigma + rest.residual);
    const bound = Math.max(ANGLE * gap, FLOOR * sigma);
    if (gap >= GAP * sigma && top.residual <= bound) return { kind: 'determined', u: transpose ? top.v : top.u, v: transpose ? top.u : top.v };
    if (sigma - rest.sigma < GAP * sigma) return { kind: 'close' };
    if (attempt > 0 || !top.stopped || gap <= 0) return { kind: 'unconverged' };
    top = await run(0x9e3779b9, (s, _, residual) => residual <= Math.max(ANGLE * gap, FLOOR * s));
  }
}
