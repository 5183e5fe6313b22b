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
import { randomGl } from './glReparam';
import { manifestLayout, type PredictorManifest } from './manifest';
import { predictorOutputs, type Analyze } from './predictAdapter';
import { readModuleFactors, reparametrizeAll, transposed, type ModuleFactors } from './rawFactors';
import type { PredictorSession } from './runPredictor';

/** The bound an invariant predictor must meet: spectra move by rounding only (~1e-12 in float64). */
export const INVARIANCE_TOLERANCE = 1e-4;

export interface InvarianceReport {
  readonly trials: number;
  readonly original: Float64Array;
  /** max over trials and outputs of |o' − o| / max(|o|, 1e-12): the largest relative change. */
  readonly maxRelativeChange: number;
  readonly perTrial: readonly number[];
  readonly invariant: boolean;
}

/**
 * Feeds `trials` random reparametrizations of the adapter to the predictor and reports how far
 * its outputs move. Each trial draws a fresh R ∈ GL(r) per module (randomGl), writes a copy of
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
  try {
    for (let t = 0; t < trials; t++) {
      throwIfCancelled(token);
      const moved = reparametrizeAll(factors, (r) => randomGl(r, rng));
      const dir = join(temp, `trial-${t}`);
      const tensors: TensorToWrite[] = [...others];
      for (const [name, ref] of refs) {
        const f = moved[ref.module];
        const [rows, cols] = ref.role === 'B' ? [f.m, f.r] : [f.r, f.n];
        const values = ref.role === 'B' ? f.B : f.A;
        tensors.push({ name, dtype: 'F64', shape: ref.transposed ? [cols, rows] : [rows, cols], data: encodeFloat64(ref.transposed ? transposed(values, rows, cols) : values) });
      }
      await mkdir(dir);
      await writeTensorsAtomic(join(dir, basename(weights)), tensors, opened.adapter.header.metadata);
      if (config) await writeFile(join(dir, 'adapter_config.json'), config);
      const out = await predictorOutputs(join(dir, basename(weights)), manifest, session, analyze, token);
      let worst = 0;
      out.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - original[i]) / Math.max(Math.abs(original[i]), 1e-12))));
      perTrial.push(worst);
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  const maxRelativeChange = Math.max(0, ...perTrial);
  return { trials, original, maxRelativeChange, perTrial, invariant: maxRelativeChange <= INVARIANCE_TOLERANCE };
}
