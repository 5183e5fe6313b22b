import { FeatureError } from '../errors';
import { SeededRandom } from '../zoo/random';
import { crossValidate, fitModel, type CvMetrics } from './crossValidate';
import { loadDataset, type DatasetOptions } from './dataset';
import { randomGl } from './glReparam';
import { factorsLayoutId } from '../layout';
import { MANIFEST_FORMAT, MANIFEST_VERSION, MODEL_FILE, type PredictorInput, type PredictorManifest, type PredictorModelKind, type PredictorOutput } from './manifest';
import { DEFAULT_EPOCHS, DEFAULT_HIDDEN, type NetworkOptions } from './network/networkOptions';
import { trainGlNetPredictor, trainMlpPredictor, type TrainedNetwork } from './network/trainNetwork';
import { encodePredictorModel } from './onnxExport';
import { writePredictor } from './predictorDir';
import { flattenFactors, reparametrizeAll, stackRows } from './rawFactors';
import { runBaselines, type BaselineResult } from './baselines/runBaselines';

export interface TrainOptions extends Omit<DatasetOptions, 'targetKind'> {
  readonly kind: PredictorModelKind;
  /** mlp and glnet: regression (default) or classification; ridge and logistic imply theirs. */
  readonly task?: 'regression' | 'classification';
  /** mlp and glnet: hidden sizes and epochs (defaults DEFAULT_HIDDEN, DEFAULT_EPOCHS). */
  readonly hidden?: readonly number[];
  readonly epochs?: number;
  readonly folds: number;
  readonly seed: number;
  /** The predictor folder; undefined to cross-validate only. */
  readonly out?: string;
  readonly force?: boolean;
  /**
   * Which baselines beside the model: 'linear' (default), the raw-factor ridge/logistic only;
   * 'all', also the baseline MLPs (runBaselines), which take longer (each is trained per fold).
   */
  readonly baselines?: 'linear' | 'all';
}

export interface TrainSummary {
  readonly manifest: PredictorManifest;
  readonly adapters: number;
  readonly skipped: readonly { readonly adapter: string; readonly reason: string }[];
  /** The invariant model, cross-validated on the features (the factors, for glnet). */
  readonly cv: CvMetrics;
  /** glnet only: the same with held-out adapters reparametrized, as the baseline's. */
  readonly cvReparametrized?: CvMetrics;
  /** The same model on flattened raw factors, held-out adapters as stored. */
  readonly baseline: CvMetrics;
  /** The same, held-out adapters reparametrized (B·R, R⁻¹·A) with a random R per module. */
  readonly baselineReparametrized: CvMetrics;
  /** With `baselines: 'all'`: the baseline MLPs, each scored as stored and reparametrized; else empty. */
  readonly baselines: readonly BaselineResult[];
}

/** Fewest usable rows: k-fold CV with k ≥ 2 and an inner λ search need a handful per fold. */
const MIN_ROWS = 6;

const REPARAMETRIZATION_NOTE =
  'baseline fitted on raw factors as stored; each held-out adapter then scored after (B, A) -> (B R, R^-1 A) per module, R = D H1 H2 (D diagonal, random signs, magnitudes e^u, u in [-ln 2, ln 2]; H1, H2 random Householder reflections), a fresh R per module and adapter';

/**
 * The networks' Adam step size and L2 weight decay (added to the mean loss). Fixed: on 24- and
 * 48-adapter zoos a decay of 0.1 held out better than 0.01 or 0.001 for both networks (they
 * have hundreds of weights for tens of rows); see the limits in docs/analyses.md.
 */
const NETWORK_LEARNING_RATE = 0.01;
const NETWORK_WEIGHT_DECAY = 0.1;

/**
 * train-predictor's core: featurize the labelled adapters (loadDataset), cross-validate the
 * model (ridge, logistic, mlp on the invariant features; glnet on the factors) and, beside it,
 * the NOT invariant raw-factor baseline (ridge for regression, logistic for classification;
 * scored twice: held-out adapters as stored, and reparametrized, see REPARAMETRIZATION_NOTE)
 * and, with `baselines: 'all'`, the baseline MLPs (runBaselines) on the same reparametrized
 * copies, then fit on every row and export the ONNX model and manifest (when `out` is given).
 */
export async function trainPredictor(options: TrainOptions): Promise<TrainSummary> {
  const task = options.kind === 'ridge' ? 'regression' : options.kind === 'logistic' ? 'classification' : (options.task ?? 'regression');
  const data = await loadDataset({ ...options, targetKind: task === 'regression' ? 'numeric' : 'classes' });
  const n = data.features.rows;
  if (n < MIN_ROWS) throw new FeatureError('INVALID_LABELS', `only ${n} usable adapter${n === 1 ? '' : 's'} (${data.skipped.length} skipped); training needs at least ${MIN_ROWS}`);
  const folds = Math.max(2, Math.min(options.folds, n));
  const linearKind = task === 'regression' ? 'ridge' : 'logistic';
  const rMax = data.factors.reduce((top, row) => row.reduce((a, f) => Math.max(a, f.r), top), -Infinity);
  const raw = stackRows(data.factors.map((f) => flattenFactors(f, rMax)));
  const rng = new SeededRandom(options.seed + 0x5eed);
  const movedFactors = data.factors.map((f) => reparametrizeAll(f, (r) => randomGl(r, rng)));
  const moved = stackRows(movedFactors.map((f) => flattenFactors(f, rMax)));
  // The baseline gets the model's own preprocessing (standardized, held-out z clamped to the
  // training range), so the comparison isolates invariance. It can still read the rank from the
  // zero padding of B and A, which reparametrization keeps, so targets tied to the rank flatter it.
  const baseline = crossValidate(linearKind, raw, data.target, folds, options.seed, 'identity');
  const baselineReparametrized = crossValidate(linearKind, raw, data.target, folds, options.seed, 'identity', moved);
  const target = data.target;
  const name = `${options.target}-${options.kind}`;
  // The baseline MLPs have the chosen network's size and training (a GL-net's --hidden list read
  // as the MLP's hidden layers); beside ridge or logistic, the default MLP's.
  const net: NetworkOptions = {
    hidden: options.kind === 'ridge' || options.kind === 'logistic' ? DEFAULT_HIDDEN.mlp : (options.hidden ?? DEFAULT_HIDDEN[options.kind]),
    epochs: options.epochs ?? DEFAULT_EPOCHS,
    learningRate: NETWORK_LEARNING_RATE,
    weightDecay: NETWORK_WEIGHT_DECAY,
    seed: options.seed,
  };
  const baselines = options.baselines === 'all' ? runBaselines({ factors: data.factors, moved: movedFactors, scales: data.scales, rMax }, target, folds, net, options.seed) : [];
  let cv: CvMetrics;
  let model: Uint8Array;
  let lambda: number;
  let description: string;
  let network: TrainedNetwork | undefined;
  if (options.kind === 'ridge' || options.kind === 'logistic') {
    cv = crossValidate(options.kind, data.features, target, folds, options.seed, 'log1p');
    const fitted = fitModel(options.kind, data.features, target, options.seed, 'log1p');
    model = encodePredictorModel(fitted, name);
    lambda = fitted.lambda;
    description = `${options.kind === 'ridge' ? 'Ridge regression' : 'Logistic regression (one-vs-rest)'} of ${options.target} on GL(r)-invariant spectral features (ln(1 + x), standardized) (layout ${data.layout.id}), trained on ${n} adapters.`;
  } else {
    network = options.kind === 'mlp' ? trainMlpPredictor(data, target, folds, net, name) : trainGlNetPredictor(data, target, folds, net, name);
    cv = network.cv;
    model = network.model;
    lambda = NETWORK_WEIGHT_DECAY;
    description = `${network.description}: ${task} of ${options.target}, trained on ${n} adapters.`;
  }
  const output: PredictorOutput =
    target.kind === 'numeric'
      ? {
          kind: 'regression',
          target: options.target,
          unit: `as labels.csv column ${options.target}`,
          range: [target.values.reduce((a, b) => Math.min(a, b), Infinity), target.values.reduce((a, b) => Math.max(a, b), -Infinity)],
        }
      : { kind: 'classification', target: options.target, labels: target.labels };
  const modules = data.layout.modules;
  const input: PredictorInput =
    options.kind === 'glnet'
      ? { kind: 'factors', layout: factorsLayoutId(modules), modules }
      : { kind: 'features', layout: data.layout.id, k: data.layout.k, modules, width: data.layout.columns.length };
  const manifest: PredictorManifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_VERSION,
    name,
    version: '1',
    description,
    input,
    model: { kind: options.kind, file: MODEL_FILE, dtype: 'float64', transform: options.kind === 'glnet' ? 'identity' : 'log1p' },
    output,
    training: {
      rows: n,
      skipped: data.skipped.length,
      folds,
      seed: options.seed,
      lambda,
      ...(network ? { network: network.record } : {}),
      cv,
      baseline: {
        features: `raw factors B and A flattened per module (rank padded to ${rMax}), ${linearKind}`,
        reparametrization: REPARAMETRIZATION_NOTE,
        cv: baseline,
        cvReparametrized: baselineReparametrized,
      },
      ...(baselines.length > 0 ? { baselines } : {}),
    },
  };
  if (options.out !== undefined) await writePredictor(options.out, { manifest, model }, options.force === true);
  const summary = { manifest, adapters: n, skipped: data.skipped, cv, baseline, baselineReparametrized, baselines };
  return network?.cvReparametrized ? { ...summary, cvReparametrized: network.cvReparametrized } : summary;
}
