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
  /** Means μ_c of the input mixture's components: x = μ_c + z, z ~ N(0, I_d). */
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

/**
 * The teacher: the base with a rank-1 perturbation θ·u·vᵀ on each block's first layer
 * (u ∈ R^h, v ∈ R^d unit vectors), the low-rank target the student's LoRA has to find.
 */
export interface Teacher {
  readonly u: readonly Float64Array[];
  readonly v: readonly Float64Array[];
  /** θ, the perturbation's size (its only singular value). */
  readonly strength: number;
}

/** Sizes of the zoo's network; the defaults keep a 48-adapter zoo to seconds. */
export interface NetworkShape {
  readonly inputs: number;
  readonly hidden: number;
  readonly blocks: number;
  /** Components of the input mixture (the subpopulations an adapter may see). */
  readonly components: number;
  /** ‖μ_c‖: far enough apart that the components differ, near enough that tanh is not saturated. */
  readonly meanNorm: number;
}

export const DEFAULT_SHAPE: NetworkShape = { inputs: 32, hidden: 32, blocks: 2, components: 4, meanNorm: 1.5 };

/** A base network drawn from `seed`. */
export function makeBase(seed: number, shape: NetworkShape = DEFAULT_SHAPE): BaseNetwork {
  const rng = new SeededRandom(seed);
  const blocks: BaseBlock[] = [];
  for (let b = 0; b < shape.blocks; b++) {
    blocks.push({ name: `blocks.${b}.fc`, W0: rng.normals(shape.hidden * shape.inputs, 1 / Math.sqrt(shape.inputs)), a: rng.normals(shape.hidden, 1 / Math.sqrt(shape.hidden)) });
  }
  const means: Float64Array[] = [];
  for (let c = 0; c < shape.components; c++) {
    const mu = rng.unitVector(shape.inputs);
    for (let i = 0; i < mu.length; i++) mu[i] *= shape.meanNorm;
    means.push(mu);
  }
  return { inputs: shape.inputs, hidden: shape.hidden, blocks, means };
}

/** A teacher on `base`: independent random unit u_b, v_b per block, all of strength θ. */
export function makeTeacher(base: BaseNetwork, rng: SeededRandom, strength: number): Teacher {
  return { u: base.blocks.map(() => rng.unitVector(base.hidden)), v: base.blocks.map(() => rng.unitVector(base.inputs)), strength };
}

/** Draws one input: a component uniformly from `components` (indices into base.means), then x = μ_c + z. */
export function sampleInput(base: BaseNetwork, components: readonly number[], rng: SeededRandom, out: Float64Array): void {
  const mu = base.means[components[Math.floor(rng.next() * components.length)]];
  for (let i = 0; i < out.length; i++) out[i] = mu[i] + rng.normal();
}
