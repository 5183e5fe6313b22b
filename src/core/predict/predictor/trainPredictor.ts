import { FeatureError } from '../errors';
import { SeededRandom } from '../zoo/random';
import { crossValidate, fitModel, type CvMetrics } from './crossValidate';
import { loadDataset, type DatasetOptions } from './dataset';
import { randomGl } from './glReparam';
import { MANIFEST_FORMAT, MANIFEST_VERSION, MODEL_FILE, type PredictorManifest, type PredictorOutput } from './manifest';
import type { ModelKind } from './model';
import { encodePredictorModel } from './onnxExport';
import { writePredictor } from './predictorDir';
import { flattenFactors, reparametrizeAll, stackRows } from './rawFactors';

export interface TrainOptions extends Omit<DatasetOptions, 'targetKind'> {
  readonly kind: ModelKind;
  readonly folds: number;
  readonly seed: number;
  /** The predictor folder; undefined to cross-validate only. */
  readonly out?: string;
  readonly force?: boolean;
}

export interface TrainSummary {
  readonly manifest: PredictorManifest;
  readonly adapters: number;
  readonly skipped: readonly { readonly adapter: string; readonly reason: string }[];
  /** The invariant model, cross-validated on the features. */
  readonly cv: CvMetrics;
  /** The same model on flattened raw factors, held-out adapters as stored. */
  readonly baseline: CvMetrics;
  /** The same, held-out adapters reparametrized (B·R, R⁻¹·A) with a random R per module. */
  readonly baselineReparametrized: CvMetrics;
}

/** Fewest usable rows: k-fold CV with k ≥ 2 and an inner λ search need a handful per fold. */
export const MIN_ROWS = 6;

export const REPARAMETRIZATION_NOTE = 'baseline fitted on raw factors as stored; each held-out adapter then scored after (B, A) -> (B R, R^-1 A) per module, R = D H1 H2 (D diagonal, random signs, magnitudes e^u, u in [-ln 2, ln 2]; H1, H2 random Householder reflections), a fresh R per module and adapter';

/**
 * train-predictor's core: featurize the labelled adapters (loadDataset), cross-validate the
 * model on the invariant features and, beside it, on the NOT invariant raw-factor baseline
 * (scored twice: held-out adapters as stored, and reparametrized, see REPARAMETRIZATION_NOTE),
 * then fit on every row and export the ONNX model and manifest (when `out` is given).
 */
export async function trainPredictor(options: TrainOptions): Promise<TrainSummary> {
  const data = await loadDataset({ ...options, targetKind: options.kind === 'ridge' ? 'numeric' : 'classes' });
  const n = data.features.rows;
  if (n < MIN_ROWS) throw new FeatureError('INVALID_LABELS', `only ${n} usable adapter${n === 1 ? '' : 's'} (${data.skipped.length} skipped); training needs at least ${MIN_ROWS}`);
  const folds = Math.max(2, Math.min(options.folds, n));
  const cv = crossValidate(options.kind, data.features, data.target, folds, options.seed, 'log1p');
  const rMax = Math.max(...data.factors.flat().map((f) => f.r));
  const raw = stackRows(data.factors.map((f) => flattenFactors(f, rMax)));
  const rng = new SeededRandom(options.seed + 0x5eed);
  const moved = stackRows(data.factors.map((f) => flattenFactors(reparametrizeAll(f, (r) => randomGl(r, rng)), rMax)));
  const baseline = crossValidate(options.kind, raw, data.target, folds, options.seed, 'identity');
  const baselineReparametrized = crossValidate(options.kind, raw, data.target, folds, options.seed, 'identity', moved);
  const model = fitModel(options.kind, data.features, data.target, options.seed, 'log1p');
  const target = data.target;
  const output: PredictorOutput =
    target.kind === 'numeric'
      ? { kind: 'regression', target: options.target, unit: `as labels.csv column ${options.target}`, range: [Math.min(...target.values), Math.max(...target.values)] }
      : { kind: 'classification', target: options.target, labels: target.labels };
  const name = `${options.target}-${options.kind}`;
  const manifest: PredictorManifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_VERSION,
    name,
    version: '1',
    description: `${options.kind === 'ridge' ? 'Ridge regression' : 'Logistic regression (one-vs-rest)'} of ${options.target} on GL(r)-invariant spectral features (ln(1 + x), standardized) (layout ${data.layout.id}), trained on ${n} adapters.`,
    input: { kind: 'features', layout: data.layout.id, k: data.layout.k, modules: data.layout.modules, width: data.layout.columns.length },
    model: { kind: options.kind, file: MODEL_FILE, dtype: 'float64', transform: 'log1p' },
    output,
    training: {
      rows: n,
      skipped: data.skipped.length,
      folds,
      seed: options.seed,
      lambda: model.lambda,
      cv,
      baseline: { features: `raw factors B and A flattened per module (rank padded to ${rMax})`, reparametrization: REPARAMETRIZATION_NOTE, cv: baseline, cvReparametrized: baselineReparametrized },
    },
  };
  if (options.out !== undefined) await writePredictor(options.out, { manifest, model: encodePredictorModel(model, name) }, options.force === true);
  return { manifest, adapters: n, skipped: data.skipped, cv, baseline, baselineReparametrized };
}
