import type { BaseNetwork, InputSource, Teacher, TeacherTerm } from './network';
import { SeededRandom } from './random';

/**
 * The `subpopulations` setting (ours, not Dayi & Chen's): one teacher shared by the whole zoo,
 * and data in which each teacher direction is excited by one source only. Every block has K + 1
 * orthonormal input directions v_0..v_{K-1} (subpopulations), v_P (the planted set), all blocks'
 * together orthonormal. Subpopulation c's inputs are isotropic in the complement of all of them
 * plus an independent N(0, 1) component along each block's v_c; the planted set is a fixed list
 * of inputs from the same complement shifted by ±1 along each block's v_P. The teacher's terms
 * θ·u·vᵀ: block 0 has one per subpopulation, θ_c = 2.5·0.4^c (distinct, decreasing), block 1
 * only the planted one, θ_P. A student moves ΔW along v_j only through inputs with a component
 * along v_j (∂L/∂A = (Bᵀg)·xᵀ), so which sources a run saw is written in ΔW's spectrum:
 * `seen_0` is a threshold on block 0's σ1 (the θ_0 term learned or not; the next is
 * θ_1 = 0.4·θ_0) and `planted` one on block 1's σ1. The plan gives every run r ≥ K (see
 * zooPlan), so a run can hold all it saw.
 *
 * Why it is built so (measured, d = h = 16, zoos of 40, docs/analyses.md):
 * - The u's meet the head a equally (headBalanced). The output is one number, Σ_b a_bᵀtanh(·), so
 *   to first order a term moves it by θ·(aᵀu); with random u that overlap is a draw per zoo seed,
 *   and over six seeds one label's accuracy fell to 0.69–0.77 on three. On one zoo, balancing
 *   the u's at the same strengths raised the runs' initial loss (the teacher's effect on the
 *   output) from 0.03–0.07 to 0.06–0.93.
 * - One label per block: both blocks read the same x and feed the same output, so a block can
 *   take up part of the other's terms (measured: a short run that saw subpopulation 0 and the
 *   planted set ended with block 0's σ1 at 0.4, not ≈ 2.5). With each label's term alone in its
 *   block only that leak is left, and the logistic model reads both blocks' spectra.
 * - Students do not recover the whole seen teacher (per-zoo median recovery error 0.75–0.88): a
 *   scalar output pins ΔW down to first order only through aᵀΔW, the rest only through tanh's
 *   curvature, which is slow. The labels need only σ1, which the fast first-order part carries.
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
 * θ_c = 2.5·0.4^c (block 0): distinct, each 0.4 of the one before, so block 0's σ1 comes from
 * the θ_0 term when subpopulation 0 was seen and from one of θ_1 = 1 or less otherwise, a gap a
 * short run's partial learning does not close (with 0.6, one zoo seed of six fell to accuracy
 * 0.78 on `seen_0`). Not above 2.5: with 4, planted runs diverged at the paper's step sizes.
 */
export function subpopulationStrengths(components: number): number[] {
  return Array.from({ length: components }, (_, c) => 2.5 * 0.4 ** c);
}

/** The planted term's strength θ_P; alone in block 1, so it needs no gap from the θ_c. */
export const PLANTED_STRENGTH = 2.5;

/** θ of block b's term j (j = K: the planted set), as the interface's comment says; 0 = no term. */
function strengthOf(strengths: readonly number[], block: number, j: number, components: number): number {
  if (block === 0) return j === components ? 0 : strengths[j];
  return block === 1 && j === components ? PLANTED_STRENGTH : 0;
}

/** Planted inputs: a fixed set, large enough that a student learns their shared direction rather than memorizing each one. */
export const PLANTED_COUNT = 256;
/** |shift| of the planted inputs along v_P: a subpopulation's spread along its v_c (with 2, planted runs diverged once the teacher's u met the head). */
export const PLANTED_SHIFT = 1;
/** Share of a planted run's samples drawn from the planted set. */
export const PLANTED_SHARE = 0.5;

/** The zoo's shared teacher and planted set, drawn from `seed`. Needs d > blocks·(K + 1) and h ≥ K + 1. */
export function makeSubpopulationTeacher(base: BaseNetwork, components: number, seed: number): SubpopulationTeacher {
  const d = base.inputs;
  const h = base.hidden;
  const per = components + 1;
  const blocks = base.blocks.length;
  if (d <= blocks * per || h < per || blocks < 2) throw new RangeError(`the subpopulation setting needs two blocks or more, d > ${blocks * per} and h ≥ ${per}`);
  const rng = new SeededRandom(seed);
  const all = orthonormal(rng, blocks * per, d);
  const directions = base.blocks.map((_, b) => all.slice(b * per, (b + 1) * per));
  const strengths = subpopulationStrengths(components);
  const terms = base.blocks.map((_, b) => {
    const us = headBalanced(rng, base.blocks[b].a, per);
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
function orthonormal(rng: SeededRandom, count: number, n: number, start: readonly Float64Array[] = []): Float64Array[] {
  const out: Float64Array[] = [...start];
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

/**
 * `count` orthonormal vectors u_c of length h, each with the same overlap 1/√count with the head
 * a: u_c = Σ_k H[c][k]·q_k, where q_0 = a/‖a‖, q_1.. random orthonormal ⊥ a, and H the Householder
 * reflection that maps e_0 to 1/√count·(1, …, 1) (so column 0 of H is constant).
 */
function headBalanced(rng: SeededRandom, a: Float64Array, count: number): Float64Array[] {
  const h = a.length;
  let norm = 0;
  for (const x of a) norm += x * x;
  const q0 = Float64Array.from(a, (x) => x / Math.sqrt(norm));
  const q = orthonormal(rng, count, h, [q0]);
  const w = Float64Array.from({ length: count }, (_, k) => (k === 0 ? 1 : 0) - 1 / Math.sqrt(count));
  const ww = w.reduce((s2, x) => s2 + x * x, 0);
  return Array.from({ length: count }, (_, c) => {
    const u = new Float64Array(h);
    for (let k = 0; k < count; k++) {
      const hck = (c === k ? 1 : 0) - (2 * w[c] * w[k]) / ww;
      for (let i = 0; i < h; i++) u[i] += hck * q[k][i];
    }
    return u;
  });
}
