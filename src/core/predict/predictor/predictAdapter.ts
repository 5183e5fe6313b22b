import { openAdapter } from '../../adapter/load';
import type { ModuleResult } from '../../analysis/analyze';
import type { CancellationToken } from '../../cancellation';
import { adapterFeatures, checkModules } from '../features';
import { factorFeeds, readGlFactors } from './factorsInput';
import { manifestLayout, type PredictorManifest } from './manifest';
import type { PredictorSession } from './runPredictor';

/** Analyses one adapter folder or file into module results (the CLI: the analysis worker). */
export type Analyze = (path: string, token?: CancellationToken) => Promise<readonly ModuleResult[]>;

/** A prediction: the value (regression) or the label probabilities (classification). */
export type Prediction =
  | { readonly kind: 'regression'; readonly target: string; readonly value: number; readonly unit: string }
  | { readonly kind: 'classification'; readonly target: string; readonly label: string; readonly probabilities: Readonly<Record<string, number>> };

/**
 * The predictor's raw outputs for one adapter. The adapter's modules are checked against the
 * manifest's modules before anything is analysed or read: missing or extra modules, or other
 * shapes, throw FeatureError LAYOUT_MISMATCH, and no number is produced. A features input runs
 * the analysis (`analyze`) and feeds the spectral features; a factors input (GL-net) feeds each
 * module's U = s·B and V = Aᵀ and needs no analysis.
 */
export async function predictorOutputs(path: string, manifest: PredictorManifest, session: PredictorSession, analyze: Analyze, token?: CancellationToken): Promise<Float64Array> {
  const layout = manifestLayout(manifest);
  const opened = await openAdapter(path);
  if (manifest.input.kind === 'factors') {
    try {
      checkModules(opened.adapter, layout);
      const feeds = factorFeeds(await readGlFactors(opened, layout));
      return await session.runFeeds(feeds);
    } finally {
      await opened.file.close();
    }
  }
  await opened.file.close();
  checkModules(opened.adapter, layout);
  const features = adapterFeatures(opened.adapter, await analyze(path, token), layout);
  return session.run(features, 1, features.length);
}

/** Outputs read through the manifest: a value with its unit, or the most probable label and all probabilities. */
export function interpret(manifest: PredictorManifest, outputs: Float64Array): Prediction {
  const o = manifest.output;
  if (o.kind === 'regression') return { kind: 'regression', target: o.target, value: outputs[0], unit: o.unit };
  let best = 0;
  o.labels.forEach((_, i) => {
    if (outputs[i] > outputs[best]) best = i;
  });
  return { kind: 'classification', target: o.target, label: o.labels[best], probabilities: Object.fromEntries(o.labels.map((l, i) => [l, outputs[i]])) };
}
