import type { BaseNetwork, InputSource, Teacher, TeacherTerm } from './network';
import { SeededRandom } from './random';

/**
 * The `subpopulations` setting (ours, not Dayi & Chen's): one teacher shared by the whole zoo
 * whose perturbation has, per block b, K + 1 orthonormal terms θ_j·u_j·v_jᵀ (j < K: subpopulation
 * j; j = K: the planted set P), and data in which each direction is excited by one source only.
 * Subpopulation c's inputs are isotropic in the complement of all the teacher's v (every block's)
 * plus an independent N(0, 1) component along each block's v_c; the planted set is a fixed list
 * of inputs from the same complement shifted by ±κ along each block's v_P. A student moves ΔW
 * along v_j only through inputs with a component along v_j (∂L/∂A = (Bᵀg)·xᵀ), so a run learns
 * θ_j·u_j·v_jᵀ for the sources it saw, and nothing else of the teacher: which sources a run saw is
 * written in ΔW's spectrum, since the strengths are distinct. The blocks get directions of their
 * own because with one v_c shared by both the two blocks' hidden units all read the same scalar
 * v_cᵀx and trade it between them: measured, SGD then fits the data with a wrong u (loss down
 * 70-fold, recovery error still ≈ 0.8).
 *
 * Strengths θ_i = 4·0.6^i (see subpopulationStrengths): in block 0 subpopulation 0 has θ_0, the
 * others θ_{j+1}, a gap of 0.36 below it, and the planted term the weakest; in the other blocks the
 * planted term has θ_0 and subpopulation j θ_{j+3}. So `seen_0` is a threshold on block 0's σ1
 * and `planted` one on block 1's σ1, for a student of any rank (the strongest excited direction
 * is learned first); the other labels are in the spectra too, but not as one threshold. (Blocks
 * holding only their own label's term were tried: block 1 then learns part of block 0's terms,
 * since both feed one output, and a planted rank-8 run diverged.)
 */
export interface SubpopulationTeacher {
  readonly teacher: Teacher;
  /** Per block, the input directions v_0..v_{K-1}, then v_P (all blocks' together orthonormal). */
  readonly directions: readonly (readonly Float64Array[])[];
  /** The planted inputs, fixed for the zoo. */
  readonly planted: readonly Float64Array[];
  /** K, the number of subpopulations. */
  readonly components: number;
}

/**
 * θ_j = 4·0.6^j, j = 0..K + 2: distinct, each 0.6 of the one before, so that the strongest term a
 * run saw stays apart from the next even when a short run has learned only part of it.
 */
export function subpopulationStrengths(components: number): number[] {
  return Array.from({ length: components + 3 }, (_, j) => 4 * 0.6 ** j);
}

/** θ of block b's term j (j = K: the planted set), as the interface's comment says. */
function strengthOf(strengths: readonly number[], block: number, j: number, components: number): number {
  if (block === 0) return strengths[j === components ? components + 2 : j === 0 ? 0 : j + 1];
  return strengths[j === components ? 0 : j + 3];
}

/** Planted inputs: a fixed set, large enough that a student learns their shared direction rather than memorizing each one. */
export const PLANTED_COUNT = 256;
/** |shift| of the planted inputs along v_P: twice a typical input coordinate's spread, so that the few planted inputs move ΔW along v_P as much as a subpopulation's many move it along v_c. */
export const PLANTED_SHIFT = 2;
/** Share of a planted run's samples drawn from the planted set. */
export const PLANTED_SHARE = 0.5;

/** The zoo's shared teacher and planted set, drawn from `seed`. Needs d > blocks·(K + 1) and h ≥ K + 1. */
export function makeSubpopulationTeacher(base: BaseNetwork, components: number, seed: number): SubpopulationTeacher {
  const d = base.inputs;
  const h = base.hidden;
  const per = components + 1;
  const blocks = base.blocks.length;
  if (d <= blocks * per || h < per) throw new RangeError(`the subpopulation setting needs d > ${blocks * per} and h ≥ ${per}`);
  const rng = new SeededRandom(seed);
  const all = orthonormal(rng, blocks * per, d);
  const directions = base.blocks.map((_, b) => all.slice(b * per, (b + 1) * per));
  const strengths = subpopulationStrengths(components);
  const terms = base.blocks.map((_, b) => {
    const us = orthonormal(rng, per, h);
    return directions[b].map((v, j): TeacherTerm => ({ u: us[j], v, theta: strengthOf(strengths, b, j, components) }));
  });
  const planted: Float64Array[] = [];
  for (let p = 0; p < PLANTED_COUNT; p++) {
    const x = complementNormal(rng, all, d);
    const shift = (p % 2 === 0 ? 1 : -1) * PLANTED_SHIFT;
    for (const own of directions) for (let i = 0; i < d; i++) x[i] += shift * own[components][i];
    planted.push(x);
  }
  return { teacher: { terms }, directions, planted, components };
}

/**
 * A run's inputs: subpopulation c uniformly from `seen` (complement + N(0, 1)·v_c per block), or with
 * probability PLANTED_SHARE, when `planted`, one of the planted inputs uniformly.
 */
export function subpopulationInputs(shared: SubpopulationTeacher, seen: readonly number[], planted: boolean): InputSource {
  return (rng, out) => {
    if (planted && rng.next() < PLANTED_SHARE) {
      out.set(shared.planted[Math.floor(rng.next() * shared.planted.length)]);
      return;
    }
    const c = seen[Math.floor(rng.next() * seen.length)];
    out.set(complementNormal(rng, shared.directions.flat(), out.length));
    for (const own of shared.directions) {
      const z = rng.normal();
      const v = own[c];
      for (let i = 0; i < out.length; i++) out[i] += z * v[i];
    }
  };
}

/** The teacher terms (θ > 0) a run with these sources excites, per block (what it can learn); a block may have none. */
export function seenTerms(shared: SubpopulationTeacher, seen: readonly number[], planted: boolean): TeacherTerm[][] {
  const wanted = new Set(planted ? [...seen, shared.components] : seen);
  return shared.teacher.terms.map((terms) => terms.filter((t, j) => wanted.has(j) && t.theta > 0));
}

/** z ~ N(0, I_d) with its components along `directions` (orthonormal) removed. */
function complementNormal(rng: SeededRandom, directions: readonly Float64Array[], d: number): Float64Array {
  const x = rng.normals(d);
  for (const v of directions) {
    let c = 0;
    for (let i = 0; i < d; i++) c += v[i] * x[i];
    for (let i = 0; i < d; i++) x[i] -= c * v[i];
  }
  return x;
}

/** `count` orthonormal vectors of length n (Gram–Schmidt, twice for accuracy, on Gaussians). */
function orthonormal(rng: SeededRandom, count: number, n: number): Float64Array[] {
  const out: Float64Array[] = [];
  while (out.length < count) {
    const x = rng.normals(n);
    for (let pass = 0; pass < 2; pass++) {
      for (const q of out) {
        let c = 0;
        for (let i = 0; i < n; i++) c += q[i] * x[i];
        for (let i = 0; i < n; i++) x[i] -= c * q[i];
      }
    }
    let norm = 0;
    for (const value of x) norm += value * value;
    norm = Math.sqrt(norm);
    if (norm < 1e-8) continue;
    for (let i = 0; i < n; i++) x[i] /= norm;
    out.push(x);
  }
  return out;
}
