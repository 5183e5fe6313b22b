import { join } from 'node:path';
import { recoveryError, teacherAlignment } from './alignment';
import type { ZooRow } from './labels';
import { gaussianInputs, makeBase, makeTeacher, mixtureInputs, type BaseNetwork, type InputSource, type NetworkShape, type Teacher, type TeacherTerm } from './network';
import { childSeed, SeededRandom } from './random';
import {
  makeSubpopulationTeacher,
  PLANTED_COUNT,
  PLANTED_SHARE,
  PLANTED_SHIFT,
  seenTerms,
  subpopulationInputs,
  subpopulationStrengths,
  PLANTED_STRENGTH,
  type SubpopulationTeacher,
} from './subpopulations';
import { trainLora, type LoraFactors } from './train';
import { checkpointSteps, writeLora, writeTeacherFile } from './zooFiles';
import { RECOVERY_CRITERION, type ZooItem, type ZooSetting } from './zooPlan';

/** The base_model_name_or_path written into each config. */
const ZOO_BASE_MODEL = 'lora-lens/teacher-student-tanh';

/** What a zoo's setting fixes before its first adapter: the base and, for subpopulations, the shared teacher. */
export interface PreparedSetting {
  readonly setting: ZooSetting;
  readonly base: BaseNetwork;
  readonly shared: SubpopulationTeacher | null;
}

/**
 * The base network of a zoo (sign heads except in the mixture setting, see HeadKind) and the
 * shared teacher of the subpopulation setting, drawn from a seed of its own so that the base is
 * the same network in the paper and subpopulation settings.
 */
export function prepareSetting(setting: ZooSetting, seed: number, shape: NetworkShape): PreparedSetting {
  const base = makeBase(seed, shape, setting === 'mixture' ? 'gaussian' : 'signs');
  const shared = setting === 'subpopulations' ? makeSubpopulationTeacher(base, shape.components, childSeed(seed, 0x7fffffff)) : null;
  return { setting, base, shared };
}

/** One adapter's teacher, data and reference (the terms its data lets it learn), per the setting. */
function runOf(prepared: PreparedSetting, item: ZooItem, rng: SeededRandom): { teacher: Teacher; inputs: InputSource; reference: (readonly TeacherTerm[])[] } {
  const { base, shared } = prepared;
  if (shared) return { teacher: shared.teacher, inputs: subpopulationInputs(shared, item.components, item.planted), reference: seenTerms(shared, item.components, item.planted) };
  const teacher = makeTeacher(base, rng, item.teacherStrength);
  const inputs = prepared.setting === 'mixture' ? mixtureInputs(base, item.components) : gaussianInputs();
  return { teacher, inputs, reference: teacher.terms.map((t) => [...t]) };
}

/**
 * Trains and writes one adapter: `adapter-NNN/` (PEFT), its `teacher.safetensors` (the reference
 * its data lets it learn) and `checkpoint-N/` folders (PEFT, N the step). Labels are computed from
 * the float32-rounded factors, exactly what is on disk.
 */
export async function makeAdapter(dir: string, prepared: PreparedSetting, item: ZooItem, checkpoints: number): Promise<ZooRow> {
  const { base } = prepared;
  const rng = new SeededRandom(item.seed);
  const { teacher, inputs, reference } = runOf(prepared, item, rng);
  const steps = checkpointSteps(item.steps, checkpoints);
  const trained = trainLora(base, teacher, {
    rank: item.rank,
    alpha: item.alpha,
    learningRate: item.learningRate,
    steps: item.steps,
    batch: item.batch,
    inputs,
    seed: rng.int(1, 2 ** 31 - 1),
    checkpoints: steps,
  });
  const folder = join(dir, item.folder);
  const factors = rounded(trained.factors);
  await writeLora(folder, base, factors, item.rank, item.alpha, ZOO_BASE_MODEL);
  await writeTeacherFile(folder, base, reference);
  for (const c of trained.checkpoints) await writeLora(join(folder, `checkpoint-${c.step}`), base, rounded(c.factors), item.rank, item.alpha, ZOO_BASE_MODEL);
  const scores = scoreFactors(factors, trained.scale, reference);
  return {
    item,
    scale: trained.scale,
    learningRate: trained.learningRate,
    restarts: trained.restarts,
    initialLoss: trained.initialLoss,
    finalLoss: trained.finalLoss,
    ...scores,
  };
}

/**
 * Alignment (with each block's strongest reference term) and recovery error (against all of the
 * block's reference terms), means over the blocks that have a reference (in the subpopulation
 * setting a block whose terms the run's data never excites has none: nothing to recover there).
 * NaN when no block has one.
 */
export function scoreFactors(
  factors: readonly LoraFactors[],
  scale: number,
  reference: readonly (readonly TeacherTerm[])[],
): Pick<ZooRow, 'alignmentU' | 'alignmentV' | 'recoveryError'> {
  let alignmentU = 0;
  let alignmentV = 0;
  let error = 0;
  let blocks = 0;
  factors.forEach((f, b) => {
    if (reference[b].length === 0) return;
    const strongest = reference[b].reduce((best, t) => (t.theta > best.theta ? t : best));
    const a = teacherAlignment(f.B, f.A, scale, strongest.u, strongest.v);
    alignmentU += a.u;
    alignmentV += a.v;
    error += recoveryError(f.B, f.A, scale, reference[b]);
    blocks++;
  });
  return { alignmentU: alignmentU / blocks, alignmentV: alignmentV / blocks, recoveryError: error / blocks };
}

function rounded(factors: readonly LoraFactors[]): LoraFactors[] {
  return factors.map((f) => ({ B: f.B.map(Math.fround), A: f.A.map(Math.fround) }));
}

/**
 * zoo.json: the network, the setting as made, the criterion, the files, and `restarted` only when
 * some student diverged and was retrained at a smaller step size (so a zoo whose runs all trained
 * as planned is described exactly as before the guard).
 */
export function zooDescription(
  prepared: PreparedSetting,
  shape: NetworkShape,
  made: { seed: number; count: number; checkpoints: number; rows?: readonly ZooRow[] },
): Record<string, unknown> {
  const restarted = (made.rows ?? []).filter((r) => r.restarts > 0);
  const description = describeSetting(prepared, shape, made);
  if (restarted.length === 0) return description;
  return {
    ...description,
    restarted: {
      why: 'the training loss rose above twice its initial value; the run was restarted from its init at half the learning rate; labels.csv learning_rate is the rate used',
      adapters: restarted.map((r) => ({ adapter: r.item.folder, plannedLearningRate: r.item.learningRate, learningRate: r.learningRate, restarts: r.restarts })),
    },
  };
}

function describeSetting(prepared: PreparedSetting, shape: NetworkShape, made: { seed: number; count: number; checkpoints: number }): Record<string, unknown> {
  const { base, setting } = prepared;
  const common = {
    setting,
    network: 'f(x) = sum_b a_b^T tanh(W0_b x); teacher W0_b + sum_j theta_j u_j v_j^T; student W0_b + (lora_alpha/r) B_b A_b, B_b = 0 at the init',
    activation: 'tanh',
    heads: setting === 'mixture' ? 'a ~ N(0, 1/h)' : 'a = +-1/sqrt(h) (signs of N(0, 1/h) draws)',
    inputs: shape.inputs,
    hidden: shape.hidden,
    blocks: base.blocks.map((b) => b.name),
    loss: '0.5 (f_student - f_teacher)^2, online SGD, batch mean',
    files: {
      'base.safetensors': '<module>.weight = W0 [h, d], <module>.head = a [h] (F32)',
      'adapter-NNN/adapter_model.safetensors': 'the trained LoRA (PEFT, F32)',
      'adapter-NNN/teacher.safetensors': 'reference: <module>.u, .v, .theta (one term) or <module>.delta_w (several), F64',
      'adapter-NNN/checkpoint-N/': `the LoRA after N steps (PEFT), ${made.checkpoints} per adapter, log-spaced (steps/4^k)`,
      'labels.csv': 'one row per adapter; recovery_error = mean over blocks of ||s B A - T||_F / ||T||_F, T the reference',
    },
    seed: made.seed,
    count: made.count,
  };
  if (setting === 'mixture')
    return {
      ...common,
      data: { kind: 'gaussian-mixture', components: shape.components, meanNorm: shape.meanNorm, covariance: 'identity' },
      teacher: 'rank 1 per adapter, random u_b, v_b',
    };
  if (setting === 'paper')
    return {
      ...common,
      data: { kind: 'gaussian', distribution: 'x ~ N(0, I_d)' },
      teacher: 'rank 1 per adapter: theta u_b v_b^T, random unit u_b, v_b (Dayi & Chen 2024)',
      criterion: `every run of >= ${RECOVERY_CRITERION.minSteps} steps reaches recovery_error <= ${RECOVERY_CRITERION.maxError} and alignment_v >= ${RECOVERY_CRITERION.minCosV}`,
    };
  return {
    ...common,
    data: {
      kind: 'subpopulations',
      subpopulations: shape.components,
      distribution: "subpopulation c: isotropic N(0, I) in the complement of every teacher v, plus N(0, 1) along each block's v_c",
      planted: `${PLANTED_COUNT} fixed inputs from the same complement shifted by +-${PLANTED_SHIFT} along each block's v_P, ${PLANTED_SHARE} of a planted run's samples`,
    },
    teacher: {
      shared: true,
      subpopulationStrengths: subpopulationStrengths(shape.components),
      plantedStrength: PLANTED_STRENGTH,
      order: 'block 0: subpopulation c theta_c (distinct, decreasing); block 1: the planted term theta_P; no other terms',
      u: 'per block orthonormal, each with a^T u = |a|/sqrt(K + 1), so every term moves the output alike',
      recoverable: 'a run moves Delta W along v_j only if its data excite v_j: seen_0 is block 0 sigma_1 ~ theta_0, planted is block 1 sigma_1 ~ theta_P',
    },
  };
}
