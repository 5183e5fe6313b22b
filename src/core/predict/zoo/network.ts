import { SeededRandom } from './random';

/**
 * The zoo's base network (Dayi & Chen's teacher–student setting): f(x) = Σ_b a_bᵀ tanh(W0_b x)
 * with x ∈ R^d and one first-layer block W0_b ∈ R^{h×d} per adapted module, so a zoo adapter
 * has several modules to compare. tanh because it is smooth and odd: its derivative is never
 * zero, so no hidden unit dies and every direction of ΔW stays learnable.
 *
 * Scales: W0 entries N(0, 1/d), so that with x of unit covariance each pre-activation is O(1)
 * (tanh neither linear nor saturated); a entries N(0, 1/h), so f is O(1).
 */
export interface BaseNetwork {
  /** Input dimension d. */
  readonly inputs: number;
  /** Hidden units h per block. */
  readonly hidden: number;
  readonly blocks: readonly BaseBlock[];
  /** Means μ_c of the `mixture` setting's components: x = μ_c + z, z ~ N(0, I_d). */
  readonly means: readonly Float64Array[];
}

export interface BaseBlock {
  /** The module name the adapters use (PEFT keys `base_model.model.<name>.lora_A.weight`). */
  readonly name: string;
  /** W0, h×d row-major. */
  readonly W0: Float64Array;
  /** Output weights a, length h. */
  readonly a: Float64Array;
}

/** One rank-1 term θ·u·vᵀ of a teacher's perturbation (u ∈ R^h, v ∈ R^d unit vectors). */
export interface TeacherTerm {
  readonly u: Float64Array;
  readonly v: Float64Array;
  /** θ > 0, the term's singular value. */
  readonly theta: number;
}

/**
 * The teacher: the base with a low-rank perturbation Σ_j θ_j·u_j·v_jᵀ on each block's first
 * layer, the target the student's LoRA has to find. `terms[b]` are block b's terms: one in the
 * paper's setting (Dayi & Chen's rank-1 teacher), K + 1 in the subpopulation setting.
 */
export interface Teacher {
  readonly terms: readonly (readonly TeacherTerm[])[];
}

/** Sizes of the zoo's network; the defaults keep a 48-adapter zoo to seconds. */
export interface NetworkShape {
  readonly inputs: number;
  readonly hidden: number;
  readonly blocks: number;
  /** Components of the input mixture (the subpopulations an adapter may see). */
  readonly components: number;
  /** ‖μ_c‖ (mixture setting): far enough apart that the components differ, near enough that tanh is not saturated. */
  readonly meanNorm: number;
}

export const DEFAULT_SHAPE: NetworkShape = { inputs: 32, hidden: 32, blocks: 2, components: 4, meanNorm: 1.5 };

/**
 * How the output weights a are drawn: `gaussian` N(0, 1/h) entries (the mixture setting's), or
 * `signs` ±1/√h (the signs of those same draws). With Gaussian heads SGD learns row i of ΔW at a
 * rate ∝ a_i², so the rows of the few units with a_i near 0 stall and a student's recovery error
 * stays near 0.4 after 6400 steps (measured, default shape); with equal |a_i| every row moves
 * at one rate and students recover the teacher (error < 0.05) in a few thousand steps.
 */
export type HeadKind = 'gaussian' | 'signs';

/** A base network drawn from `seed`. */
export function makeBase(seed: number, shape: NetworkShape = DEFAULT_SHAPE, heads: HeadKind = 'gaussian'): BaseNetwork {
  const rng = new SeededRandom(seed);
  const blocks: BaseBlock[] = [];
  const headSd = 1 / Math.sqrt(shape.hidden);
  for (let b = 0; b < shape.blocks; b++) {
    const W0 = rng.normals(shape.hidden * shape.inputs, 1 / Math.sqrt(shape.inputs));
    const a = rng.normals(shape.hidden, headSd);
    if (heads === 'signs') for (let i = 0; i < a.length; i++) a[i] = a[i] < 0 ? -headSd : headSd;
    blocks.push({ name: `blocks.${b}.fc`, W0, a });
  }
  const means: Float64Array[] = [];
  for (let c = 0; c < shape.components; c++) {
    const mu = rng.unitVector(shape.inputs);
    for (let i = 0; i < mu.length; i++) mu[i] *= shape.meanNorm;
    means.push(mu);
  }
  return { inputs: shape.inputs, hidden: shape.hidden, blocks, means };
}

/** A rank-1 teacher on `base`: independent random unit u_b, v_b per block, all of strength θ. */
export function makeTeacher(base: BaseNetwork, rng: SeededRandom, strength: number): Teacher {
  // Every u, then every v: the draw order of the first zoo, so a mixture zoo keeps its bytes.
  const us = base.blocks.map(() => rng.unitVector(base.hidden));
  const vs = base.blocks.map(() => rng.unitVector(base.inputs));
  return { terms: base.blocks.map((_, b) => [{ u: us[b], v: vs[b], theta: strength }]) };
}

/** The first term of each block: the rank-1 teacher's u_b, v_b and θ. */
export function rankOneTerms(teacher: Teacher): TeacherTerm[] {
  return teacher.terms.map((t) => t[0]);
}

/** Draws one input into `out` (length d). */
export type InputSource = (rng: SeededRandom, out: Float64Array) => void;

/** The paper's inputs: x ~ N(0, I_d). */
export function gaussianInputs(): InputSource {
  return (rng, out) => {
    for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  };
}

/** The mixture setting's inputs: a component uniformly from `components` (indices into base.means), then x = μ_c + z. */
export function mixtureInputs(base: BaseNetwork, components: readonly number[]): InputSource {
  return (rng, out) => {
    const mu = base.means[components[Math.floor(rng.next() * components.length)]];
    for (let i = 0; i < out.length; i++) out[i] = mu[i] + rng.normal();
  };
}
