import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isDerived } from '../../analysis/derivedFactor';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { MAX_CONFIG_BYTES } from '../../adapter/config';
import { openAdapter } from '../../adapter/load';
import { throwIfCancelled, type CancellationToken } from '../../cancellation';
import { readSmallFile } from '../../io/readFile';
import { encodeFloat64 } from '../../safetensors/encode';
import { writeTensorsAtomic, type TensorToWrite } from '../../safetensors/writer';
import { FeatureError } from '../errors';
import { checkModules } from '../features';
import { SeededRandom } from '../zoo/random';
import { conditionedGl, randomGl } from './glReparam';
import { manifestLayout, type PredictorInput, type PredictorManifest } from './manifest';
import { predictorOutputs, type Analyze } from './predictAdapter';
import { readModuleFactors, reparametrizeAll, transposed, type ModuleFactors } from './rawFactors';
import type { PredictorSession } from './runPredictor';

/** The bound an invariant predictor must meet: spectra move by rounding only (~1e-12 in float64). */
export const INVARIANCE_TOLERANCE = 1e-4;

/** The condition numbers of the badly conditioned trials (one trial each, after the random ones). */
export const CONDITION_NUMBERS: readonly number[] = [1, 1e2, 1e4, 1e6];

/**
 * The tolerance at condition number κ for a predictor reading `input`: INVARIANCE_TOLERANCE,
 * or a multiple of the float64 rounding (B·R, R⁻¹·A) lets through, where that is larger. A
 * bound fixed at any κ would eventually fail an invariant model, so it grows with κ:
 * - features (spectra of ΔW): the spectrum route takes a factor's Gram in one pass only where a
 *   bound from its own R keeps every σ within 5e-11·σ1 (onePassGram.ts), else CholeskyQR2 or
 *   Householder QR, so the rounding stays ~κ·ε relative; 1e4·κ·ε allows for a
 *   small σ's larger relative error and the fitted model (measured on a demo-zoo ridge: 1.9e-12
 *   at κ = 1e6 against κ·ε = 2.2e-10). It stays at 1e-4 up to κ ≈ 4.5e7.
 * - factors (GL-net): the network forms Gram-type products of U·R and V·R⁻ᵀ, which square
 *   the conditioning: ~κ²·ε; 100·κ²·ε, i.e. 2.2e-2 at κ = 1e6. Measured on a demo-zoo GL-net
 *   (h = 4) over six seeds: 6e-10 to 2e-8 at κ = 1e4, 1.5e-5 to 2.0e-2 at 1e6, so this GL-net
 *   is at the edge there (and an 8-adapter one gave NaN once): the check reports it, the
 *   bound is not widened to hide it.
 */
export function toleranceAt(cond: number, input: PredictorInput['kind']): number {
  const rounding = input === 'factors' ? 100 * cond * cond * Number.EPSILON : 1e4 * cond * Number.EPSILON;
  return Math.max(INVARIANCE_TOLERANCE, rounding);
}

/** One badly conditioned trial: R of condition number `cond` per module (conditionedGl). */
export interface ConditionedTrial {
  readonly cond: number;
  readonly maxRelativeChange: number;
  readonly tolerance: number;
  /** maxRelativeChange ≤ tolerance (false for NaN). */
  readonly withinTolerance: boolean;
}

export interface InvarianceReport {
  readonly trials: number;
  readonly original: Float64Array;
  /** max over trials and outputs of |o' − o| / max(|o|, 1e-12): the largest relative change. */
  readonly maxRelativeChange: number;
  readonly perTrial: readonly number[];
  /** The badly conditioned trials, one per CONDITION_NUMBERS entry, in that order. */
  readonly conditioned: readonly ConditionedTrial[];
  /**
   * Every random trial (cond R ≤ 4) within INVARIANCE_TOLERANCE: the verdict on invariance. The
   * conditioned trials are a separate verdict on float64 robustness (`conditionedWithin`): a
   * model invariant in exact arithmetic can still lose its digits at cond 1e6.
   */
  readonly invariant: boolean;
  /** Every conditioned trial within its tolerance. */
  readonly conditionedWithin: boolean;
}

/**
 * Feeds `trials` random reparametrizations of the adapter to the predictor and reports how far
 * its outputs move; then one more per condition number in `conditions` (default
 * CONDITION_NUMBERS) with R = conditionedGl(r, κ) per module, each judged by toleranceAt(κ, input).
 * Each random trial draws a fresh R ∈ GL(r) per module (randomGl), writes a copy of
 * the adapter file to a temporary folder with every B replaced by B·R and A by R⁻¹·A (float64,
 * same tensor names and orientation; other tensors copied byte for byte; adapter_config.json
 * copied beside), and runs that copy through the same path as `predict` (analysis and features,
 * or the factors for a GL-net; then ONNX). The copies are removed afterwards. The adapter must
 * fit the predictor's modules.
 */
export async function checkInvariance(
  path: string,
  manifest: PredictorManifest,
  session: PredictorSession,
  analyze: Analyze,
  trials: number,
  seed: number,
  token?: CancellationToken,
  conditions: readonly number[] = CONDITION_NUMBERS,
): Promise<InvarianceReport> {
  const layout = manifestLayout(manifest);
  const original = await predictorOutputs(path, manifest, session, analyze, token);
  const opened = await openAdapter(path);
  let factors: ModuleFactors[];
  const others: TensorToWrite[] = [];
  const refs = new Map<string, { module: number; role: 'B' | 'A'; transposed: boolean }>();
  try {
    checkModules(opened.adapter, layout);
    factors = await readModuleFactors(opened, layout);
    const byName = new Map(opened.adapter.modules.map((m) => [m.name, m] as const));
    layout.modules.forEach((lm, i) => {
      const f = byName.get(lm.name)?.factors;
      if (f?.type !== 'lowRank' || f.B.block || f.A.block || isDerived(f.B) || isDerived(f.A))
        throw new FeatureError('LAYOUT_MISMATCH', `module ${JSON.stringify(lm.name)}: stacked or structured factors cannot be reparametrized in a copy`);
      refs.set(f.B.tensor, { module: i, role: 'B', transposed: f.B.transposed });
      refs.set(f.A.tensor, { module: i, role: 'A', transposed: f.A.transposed });
    });
    for (const t of opened.adapter.header.tensors) if (!refs.has(t.name)) others.push({ name: t.name, dtype: t.dtype, shape: t.shape, data: await opened.file.readBytes(t) });
  } finally {
    await opened.file.close();
  }
  const weights = opened.adapter.header.file;
  // The config as the analysis read it (a regular file of bounded size), or none.
  const config = await readSmallFile(join(dirname(weights), 'adapter_config.json'), MAX_CONFIG_BYTES).catch(() => null);
  const rng = new SeededRandom(seed);
  const temp = await mkdtemp(join(tmpdir(), 'lora-lens-invariance-'));
  const perTrial: number[] = [];
  const conditionedChanges: number[] = [];
  try {
    // One copy on disk per trial, run through the same path as `predict`; the largest relative change of the outputs.
    const trial = async (name: string, moved: readonly ModuleFactors[]): Promise<number> => {
      throwIfCancelled(token);
      const dir = join(temp, name);
      const tensors: TensorToWrite[] = [...others];
      for (const [tensor, ref] of refs) {
        const f = moved[ref.module];
        const [rows, cols] = ref.role === 'B' ? [f.m, f.r] : [f.r, f.n];
        const values = ref.role === 'B' ? f.B : f.A;
        tensors.push({
          name: tensor,
          dtype: 'F64',
          shape: ref.transposed ? [cols, rows] : [rows, cols],
          data: encodeFloat64(ref.transposed ? transposed(values, rows, cols) : values),
        });
      }
      await mkdir(dir);
      await writeTensorsAtomic(join(dir, basename(weights)), tensors, opened.adapter.header.metadata);
      if (config) await writeFile(join(dir, 'adapter_config.json'), config);
      const out = await predictorOutputs(join(dir, basename(weights)), manifest, session, analyze, token);
      let worst = 0;
      out.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - original[i]) / Math.max(Math.abs(original[i]), 1e-12))));
      return worst;
    };
    for (let t = 0; t < trials; t++)
      perTrial.push(
        await trial(
          `trial-${t}`,
          reparametrizeAll(factors, (r) => randomGl(r, rng)),
        ),
      );
    for (const [i, cond] of conditions.entries())
      conditionedChanges.push(
        await trial(
          `cond-${i}`,
          reparametrizeAll(factors, (r) => conditionedGl(r, cond, rng)),
        ),
      );
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  const maxRelativeChange = Math.max(0, ...perTrial);
  const conditioned = conditions.map((cond, i) => {
    const tolerance = toleranceAt(cond, manifest.input.kind);
    return { cond, maxRelativeChange: conditionedChanges[i], tolerance, withinTolerance: conditionedChanges[i] <= tolerance };
  });
  return {
    trials,
    original,
    maxRelativeChange,
    perTrial,
    conditioned,
    invariant: maxRelativeChange <= INVARIANCE_TOLERANCE,
    conditionedWithin: conditioned.every((c) => c.withinTolerance),
  };
}
