import { SeededRandom } from '../../zoo/random';
import { subsetTarget, type CvMetrics, type Target } from '../crossValidate';
import type { Dataset } from '../dataset';
import type { NetworkRecord } from '../manifest';
import { pickRows } from '../dense';
import { glFactors, type GlFactors } from '../factorsInput';
import { randomGl } from '../glReparam';
import { reparametrizeAll } from '../rawFactors';
import { crossValidateMany, crossValidateWith } from './crossValidateNetwork';
import { MIN_ROWS_FOR_VALIDATION, VALIDATION_FRACTION } from './fitLoop';
import { predictGlNet, trainGlNet } from './glnet';
import { encodeGlNetModel } from './glnetExport';
import { predictMlp, trainMlp } from './mlp';
import { encodeMlpModel } from './mlpExport';
import type { NetworkOptions } from './networkOptions';

/** What a network contributes to a predictor: CV metrics, the final model's ONNX bytes and its record. */
export interface TrainedNetwork {
  readonly cv: CvMetrics;
  /** GL-net only: the same CV with every held-out adapter reparametrized (equal to `cv` up to rounding). */
  readonly cvReparametrized?: CvMetrics;
  readonly model: Uint8Array;
  readonly record: NetworkRecord;
  readonly description: string;
}

function pick<T>(items: readonly T[], rows: readonly number[]): T[] {
  return rows.map((r) => items[r]);
}

/**
 * An MLP on the invariant features (ln(1 + x), standardized), cross-validated with the linear
 * models' folds, then fitted on every row and exported.
 */
export function trainMlpPredictor(data: Dataset, target: Target, folds: number, options: NetworkOptions, name: string): TrainedNetwork {
  const x = data.features;
  const cv = crossValidateWith(x.rows, target, folds, options.seed, (train, test, seed) =>
    predictMlp(trainMlp(pickRows(x, train), subsetTarget(target, train), { ...options, seed }, 'log1p'), pickRows(x, test)),
  );
  const model = trainMlp(x, target, options, 'log1p');
  const stopping = earlyStopping(x.rows, options, model);
  return {
    cv,
    model: encodeMlpModel(model, name),
    record: {
      hidden: options.hidden,
      epochs: model.epochs,
      activation: model.net.activation,
      finalLoss: model.finalLoss,
      ...stopping.record,
      weightDecay: { all: options.weightDecay },
    },
    description: `MLP (hidden ${options.hidden.join('×')}, ${model.net.activation}; Adam, ${stopping.text}, weight decay ${options.weightDecay}) on GL(r)-invariant spectral features (ln(1 + x), standardized) (layout ${data.layout.id})`,
  };
}

/** The early-stopping part of a record and of a description. */
function earlyStopping(
  rows: number,
  options: NetworkOptions,
  model: { readonly epochs: number; readonly bestEpoch: number },
): { readonly record: Partial<NetworkRecord>; readonly text: string } {
  const fraction = rows >= MIN_ROWS_FOR_VALIDATION ? VALIDATION_FRACTION : 0;
  const text =
    fraction > 0
      ? `full batch, at most ${options.epochs} epochs, early stopping on a ${Math.round(fraction * 100)}% validation split (final fit: ${model.epochs} epochs, weights of epoch ${model.bestEpoch} kept)`
      : `${options.epochs} full-batch epochs (too few adapters for a validation split)`;
  return { record: { maxEpochs: options.epochs, bestEpoch: model.bestEpoch, validationFraction: fraction }, text };
}

/** Every adapter's modules as GL factors (U = s·B, V = Aᵀ), layout order. */
function datasetGlFactors(data: Dataset): GlFactors[][] {
  return data.factors.map((modules, a) => modules.map((f, i) => glFactors(f, data.scales[a][i])));
}

/**
 * A GL-net on the factors, cross-validated once, each fold's model scored twice: held-out
 * adapters as stored, and each reparametrized by a fresh R per module (the invariant model
 * scores the same), then fitted on every adapter and exported.
 */
export function trainGlNetPredictor(data: Dataset, target: Target, folds: number, options: NetworkOptions, name: string): TrainedNetwork {
  const samples = datasetGlFactors(data);
  const rng = new SeededRandom(options.seed + 0x5eed);
  const moved = data.factors.map((modules, a) => reparametrizeAll(modules, (r) => randomGl(r, rng)).map((f, i) => glFactors(f, data.scales[a][i])));
  const [cv, cvReparametrized] = crossValidateMany(samples.length, target, folds, options.seed, (train, test, seed) => {
    const fitted = trainGlNet(pick(samples, train), subsetTarget(target, train), { ...options, seed });
    return [predictGlNet(fitted, pick(samples, test)), predictGlNet(fitted, pick(moved, test))];
  });
  const model = trainGlNet(samples, target, options);
  const stopping = earlyStopping(samples.length, options, model);
  const { widths } = model.shape;
  const headWidths = model.shape.head.sizes.slice(1, -1);
  return {
    cv,
    cvReparametrized,
    model: encodeGlNetModel(model, name),
    record: {
      hidden: options.hidden,
      epochs: model.epochs,
      activation: model.shape.head.activation,
      finalLoss: model.finalLoss,
      ...stopping.record,
      equivariantWidths: widths,
      headWidths,
      weightDecay: { equivariant: 0, head: options.weightDecay },
      moduleScales: [...model.scales],
    },
    description: `GL-net (${widths.length} equivariant layer${widths.length === 1 ? '' : 's'} of width ${widths.join(', ')} on U = s·B and V = Aᵀ per module, scaled by a per-module constant c fitted on the training adapters, the paper's sign gate between layers; invariant head on every layer's P_l = X_l·Y_lᵀ and ln tr((UᵀU VᵀV)^k), k = 1…3; head hidden ${headWidths.join('×')}, tanh; Adam, ${stopping.text}; weight decay ${options.weightDecay} on the head only, none on the equivariant layers) on the raw factors of ${data.layout.modules.length} modules`,
  };
}
