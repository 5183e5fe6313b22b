import { SeededRandom, childSeed } from './random';

/** Hyper-parameters and data attributes of one zoo adapter, drawn from the zoo's seed. */
export interface ZooItem {
  readonly index: number;
  /** Folder name inside the zoo, e.g. `adapter-007`. */
  readonly folder: string;
  readonly rank: number;
  readonly alpha: number;
  readonly learningRate: number;
  readonly steps: number;
  readonly batch: number;
  /** The mixture components (subpopulations) this adapter's inputs come from, ascending. */
  readonly components: readonly number[];
  /** θ of this adapter's teacher perturbation θ·u·vᵀ (each adapter has its own task u, v). */
  readonly teacherStrength: number;
  /** Seeds the teacher, A's init and the samples. */
  readonly seed: number;
}

/** r ∈ {1, 2, 4, 8}, cycled so that every rank is equally common. */
const ZOO_RANKS = [1, 2, 4, 8] as const;
/** α = r·s with s ∈ {1, 2}: PEFT's scale α/r takes both values. */
const ZOO_SCALES = [1, 2] as const;
/**
 * η log-uniform in [0.1, 0.6]: measured on the default network, below 0.1 a 400-step run barely
 * moves off the init; above about 0.8 with s = 2 and θ = 4 SGD overshoots and the loss grows.
 */
const ZOO_LEARNING_RATE = [0.1, 0.6] as const;
const ZOO_STEPS = [400, 800, 1600] as const;
/** θ uniform in [2, 4]: large enough that the perturbation dominates the loss at the init. */
const ZOO_TEACHER_STRENGTH = [2, 4] as const;
/** Fresh samples averaged per step. */
const ZOO_BATCH = 8;

/**
 * The plan of a zoo of `count` adapters. Item i depends only on (seed, i), so a larger --count
 * extends a smaller zoo with the same first adapters. Components: a non-empty random subset of
 * the mixture's `components`, the data attribute a predictor may try to recover.
 */
export function planZoo(count: number, seed: number, components: number): ZooItem[] {
  const width = Math.max(3, String(count - 1).length);
  const items: ZooItem[] = [];
  for (let index = 0; index < count; index++) {
    const rng = new SeededRandom(childSeed(seed, index));
    const rank = ZOO_RANKS[index % ZOO_RANKS.length];
    const scale = ZOO_SCALES[rng.int(0, ZOO_SCALES.length - 1)];
    const [lo, hi] = ZOO_LEARNING_RATE;
    const learningRate = Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));
    const steps = ZOO_STEPS[rng.int(0, ZOO_STEPS.length - 1)];
    const mask = rng.int(1, 2 ** components - 1);
    const chosen: number[] = [];
    for (let c = 0; c < components; c++) if (mask & (1 << c)) chosen.push(c);
    const teacherStrength = rng.uniform(ZOO_TEACHER_STRENGTH[0], ZOO_TEACHER_STRENGTH[1]);
    items.push({
      index,
      folder: `adapter-${String(index).padStart(width, '0')}`,
      rank,
      alpha: rank * scale,
      learningRate,
      steps,
      batch: ZOO_BATCH,
      components: chosen,
      teacherStrength,
      seed: rng.int(1, 2 ** 31 - 1),
    });
  }
  return items;
}
