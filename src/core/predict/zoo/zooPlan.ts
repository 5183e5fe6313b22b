import { SeededRandom, childSeed } from './random';

/**
 * The zoo's settings. `paper`: Dayi & Chen's (x ~ N(0, I_d), a rank-1 teacher per adapter, the
 * student at the base). `subpopulations`: ours, a shared teacher whose directions are each excited
 * by one data source (see subpopulations.ts), so which sources a run saw is in its ΔW. `mixture`:
 * the first zoo's, Gaussian-mixture inputs and a per-adapter teacher, kept for comparison.
 */
export type ZooSetting = 'paper' | 'subpopulations' | 'mixture';
export const ZOO_SETTINGS: readonly ZooSetting[] = ['paper', 'subpopulations', 'mixture'];

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
  /** The subpopulations (mixture components) this adapter's inputs come from, ascending; empty in the paper setting. */
  readonly components: readonly number[];
  /** Whether the run's data included the planted set (subpopulation setting; false otherwise). */
  readonly planted: boolean;
  /** θ of this adapter's rank-1 teacher (paper, mixture); 0 in the subpopulation setting, whose teacher is shared. */
  readonly teacherStrength: number;
  /** Seeds the teacher, A's init and the samples. */
  readonly seed: number;
}

/** r ∈ {1, 2, 4, 8}, cycled so that every rank is equally common. */
const ZOO_RANKS = [1, 2, 4, 8] as const;
/** α = r·s with s ∈ {1, 2}: PEFT's scale α/r takes both values. */
const ZOO_SCALES = [1, 2] as const;
/** Most checkpoints per adapter: steps/4^11 is below one step for every run of the ladders. */
export const MAX_ZOO_CHECKPOINTS = 12;
/** Fresh samples averaged per step. */
const ZOO_BATCH = 8;

/**
 * Mixture setting. η log-uniform in [0.1, 0.6]: measured on the default network, below 0.1 a
 * 400-step run barely moves off the init. The top of the range is not safe for every network
 * with s = 2 and θ near 4: SGD overshot at η = 0.587 (zoo seed 1705560182, adapter-002, rank 4,
 * θ = 3.8: held-out loss 0.087 → 0.44 within 50 steps) and trains at half that (→ 0.0018); of
 * 40 random runs at η = 0.6 (θ = 4, s = 2, 400 steps), 6 diverged. η is not divided by s as in
 * the paper setting: these draws are the first zoo's, so its zoos stay as they were; trainLora
 * restarts a run that diverges at half the step size instead.
 */
const MIXTURE_LEARNING_RATE = [0.1, 0.6] as const;
const MIXTURE_STEPS = [400, 800, 1600] as const;
/** θ uniform in [2, 4]: large enough that the perturbation dominates the loss at the init. */
const MIXTURE_TEACHER_STRENGTH = [2, 4] as const;

/**
 * Paper and subpopulation settings: η = η′/s with η′ log-uniform in PAPER_LEARNING_RATE. From
 * B = 0 the factors grow out of the saddle at a rate ∝ η·s, which η′ fixes; dividing by s² instead
 * left the s = 2 runs the slowest. Measured on the default network (12 runs each, docs/analyses.md):
 * with η′ = 0.6 a rank-1 run still had recovery error 0.34 at 3200 steps; at η′ = 1.0 all were
 * ≤ 0.10; η = 1.5 with θ = 4 diverged. The top of the range can still overshoot: in the default
 * zoo (seed 1) adapter-040 (rank 1, s = 2, η = 0.562) ended at recovery error 18.4, and
 * trainLora's restart at η/2 recovers it to 0.57 in its 800 steps.
 */
const PAPER_LEARNING_RATE = [0.8, 1.2] as const;
/** Doublings, so the zoo shows the whole curve from barely moved to recovered (see RECOVERY_CRITERION). */
const PAPER_STEPS = [400, 800, 1600, 3200] as const;
/**
 * Subpopulation setting: from 800 steps, by when a run has learned most of the strongest term it
 * saw; at 400 a run that saw subpopulation 0 often has a smaller σ1 than a long one that did not.
 * No 3200: the labels need only σ1, and without it a zoo takes half the time.
 */
const SUBPOPULATION_STEPS = [800, 1600] as const;
/** Subpopulation setting: r ≥ K, the most directions a run can excite in block 0 (see subpopulations.ts). */
const SUBPOPULATION_RANKS = [4, 8] as const;
/** θ uniform in [1.5, 3]: comparable to ‖W0‖₂ ≈ 2, the paper's regime (a perturbation as large as the base). */
const PAPER_TEACHER_STRENGTH = [1.5, 3] as const;

/**
 * The paper setting's recovery criterion, asserted by the unit tests and stated in zoo.json:
 * every run of at least `minSteps` steps ends with recovery error ‖s·B·A − θ·u·vᵀ‖_F/θ at most
 * `maxError` and |cos v| at least `minCosV` (means over blocks, from the float32 factors on disk).
 */
export const RECOVERY_CRITERION = { minSteps: 3200, maxError: 0.2, minCosV: 0.95 } as const;

/**
 * The plan of a zoo of `count` adapters. Item i depends only on (seed, i, setting), so a larger
 * --count extends a smaller zoo with the same first adapters. Components: a non-empty random
 * subset of the `components` subpopulations (mixture, subpopulations); planted: a fair coin
 * (subpopulations). The mixture plan draws exactly what the first zoo drew, so its zoos are
 * unchanged.
 */
export function planZoo(count: number, seed: number, components: number, setting: ZooSetting = 'mixture'): ZooItem[] {
  const width = Math.max(3, String(count - 1).length);
  const items: ZooItem[] = [];
  for (let index = 0; index < count; index++) {
    const rng = new SeededRandom(childSeed(seed, index));
    const ranks = setting === 'subpopulations' ? SUBPOPULATION_RANKS : ZOO_RANKS;
    const rank = ranks[index % ranks.length];
    const scale = ZOO_SCALES[rng.int(0, ZOO_SCALES.length - 1)];
    const paperLike = setting !== 'mixture';
    const [lo, hi] = paperLike ? PAPER_LEARNING_RATE : MIXTURE_LEARNING_RATE;
    const rate = Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));
    const ladder = setting === 'paper' ? PAPER_STEPS : setting === 'subpopulations' ? SUBPOPULATION_STEPS : MIXTURE_STEPS;
    const steps = ladder[rng.int(0, ladder.length - 1)];
    let mask = rng.int(1, 2 ** components - 1);
    const [tLo, tHi] = paperLike ? PAPER_TEACHER_STRENGTH : MIXTURE_TEACHER_STRENGTH;
    const strength = rng.uniform(tLo, tHi);
    const itemSeed = rng.int(1, 2 ** 31 - 1);
    let planted = false;
    if (setting === 'subpopulations') {
      const balanced = balancedLabels(seed, index, components);
      // Subpopulation 0 from the balanced draw, the others from the mask; a run sees one at least.
      mask = (mask & ~1) | (balanced.seen0 ? 1 : 0);
      if (mask === 0) mask = components > 1 ? 1 << rng.int(1, components - 1) : 1;
      planted = balanced.planted;
    }
    const chosen: number[] = [];
    for (let c = 0; c < components; c++) if (mask & (1 << c)) chosen.push(c);
    items.push({
      index,
      folder: `adapter-${String(index).padStart(width, '0')}`,
      rank,
      alpha: rank * scale,
      learningRate: paperLike ? rate / scale : rate,
      steps,
      batch: ZOO_BATCH,
      components: setting === 'paper' ? [] : chosen,
      planted,
      teacherStrength: setting === 'subpopulations' ? 0 : strength,
      seed: itemSeed,
    });
  }
  return items;
}

/**
 * The subpopulation setting's seen_0 and planted for item `index`: in every group of four
 * consecutive items each is 1 for exactly two, in an order drawn per group, so both labels are
 * balanced (a zoo of 4n items has exactly half of each) and independent of the rank, which cycles
 * with period 2. Drawn from a stream of its own (group g), so item i still depends only on (seed, i).
 */
function balancedLabels(seed: number, index: number, components: number): { seen0: boolean; planted: boolean } {
  const group = Math.floor(index / 4);
  const rng = new SeededRandom(childSeed(seed ^ 0x5ab0, group + components * 0x10000));
  const order = (): number[] => {
    const slots = [0, 1, 2, 3];
    for (let i = 3; i > 0; i--) {
      const j = rng.int(0, i);
      [slots[i], slots[j]] = [slots[j], slots[i]];
    }
    return slots;
  };
  const seen = order();
  const planted = order();
  return { seen0: seen[index % 4] < 2, planted: planted[index % 4] < 2 };
}
