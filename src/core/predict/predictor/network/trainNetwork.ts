import { SeededRandom } from '../../zoo/random';
import { subsetTarget, type CvMetrics, type Target } from '../crossValidate';
import type { Dataset } from '../dataset';
import { pickRows } from '../dense';
import { glFactors, type GlFactors } from '../factorsInput';
import { randomGl } from '../glReparam';
import { reparametrizeAll } from '../rawFactors';
import { crossValidateMany, crossValidateWith } from './crossValidateNetwork';
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
  readonly record: { readonly hidden: readonly number[]; readonly epochs: number; readonly activation: string; readonly finalLoss: number };
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
  return {
    cv,
    model: encodeMlpModel(model, name),
    record: { hidden: options.hidden, epochs: options.epochs, activation: model.net.activation, finalLoss: model.finalLoss },
    description: `MLP (hidden ${options.hidden.join('×')}, ${model.net.activation}; Adam, ${options.epochs} full-batch epochs, weight decay ${options.weightDecay}) on GL(r)-invariant spectral features (ln(1 + x), standardized) (layout ${data.layout.id})`,
  };
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
  return {
    cv,
    cvReparametrized,
    model: encodeGlNetModel(model, name),
    record: { hidden: options.hidden, epochs: options.epochs, activation: model.shape.head.activation, finalLoss: model.finalLoss },
    description: `GL-net (equivariant layer h = ${model.shape.h} on U = s·B and V = Aᵀ per module, sign gate, invariant head on slog(U₂V₂ᵀ) and ln tr((UᵀU VᵀV)^k), k = 1…3; head hidden ${model.shape.head.sizes.slice(1, -1).join('×')}, tanh; Adam, ${options.epochs} full-batch epochs, weight decay ${options.weightDecay}) on the raw factors of ${data.layout.modules.length} modules`,
  };
}
