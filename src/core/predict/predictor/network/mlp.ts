import { SeededRandom } from '../../zoo/random';
import type { Target } from '../crossValidate';
import type { Rows } from '../dense';
import { transformRows, type InputTransform } from '../model';
import { fitStandardizer, standardize, type BoundedStandardizer } from '../standardize';
import { Adam } from './adam';
import { denseBackward, denseForward, denseParamCount, initDense, weightDecay, type DenseShape } from './denseNet';
import { headOf, interpretOutputs, networkTarget, outputCount, outputLoss, type NetworkTarget, type OutputHead } from './loss';
import type { NetworkOptions } from './networkOptions';

/**
 * A trained MLP on the invariant features: z = (f(x) − mean)/scale, clamped to the training
 * range, as for the linear models, then `net` (hidden layers with `net.activation`, a linear
 * output), then the head (value = o·scale + mean, or softmax probabilities).
 */
export interface MlpModel {
  readonly kind: 'mlp';
  readonly transform: InputTransform;
  readonly standardizer: BoundedStandardizer;
  readonly net: DenseShape;
  readonly params: Float64Array;
  readonly head: OutputHead;
  readonly weightDecay: number;
  readonly epochs: number;
  /** The objective (mean loss + decay) on the training rows at the last step (before its update). */
  readonly finalLoss: number;
}

/**
 * The training objective at `params`: mean loss over the rows of standardized inputs `z`
 * (rows×width) plus (wd/2)·ΣW², and its gradient (same flat layout as `params`).
 */
export function mlpObjective(net: DenseShape, params: Float64Array, z: Rows, target: NetworkTarget, wd: number): { readonly loss: number; readonly grad: Float64Array } {
  const forward = denseForward(net, params, z.data, z.rows);
  const { loss, dOut } = outputLoss(forward.acts[forward.acts.length - 1], z.rows, target);
  const grad = new Float64Array(params.length);
  denseBackward(net, params, forward, dOut, grad);
  return { loss: loss + weightDecay(net, params, grad, wd), grad };
}

/**
 * Fits an MLP by full-batch Adam for a fixed `options.epochs` steps (no early stopping: with
 * tens of rows an inner validation split would be a handful of adapters, and the weight decay
 * already limits the fit). Deterministic in `options.seed`.
 */
export function trainMlp(raw: Rows, target: Target, options: NetworkOptions, transform: InputTransform, activation: DenseShape['activation'] = 'tanh'): MlpModel {
  const x = transformRows(raw, transform);
  const standardizer = fitStandardizer(x);
  const z = standardize(x, standardizer);
  const t = networkTarget(target);
  const net: DenseShape = { sizes: [x.cols, ...options.hidden, outputCount(t)], activation };
  const params = new Float64Array(denseParamCount(net));
  initDense(net, params, new SeededRandom(options.seed));
  const adam = new Adam(params.length, options.learningRate);
  let finalLoss = NaN;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const { loss, grad } = mlpObjective(net, params, z, t, options.weightDecay);
    adam.step(params, grad);
    finalLoss = loss;
  }
  return { kind: 'mlp', transform, standardizer, net, params, head: headOf(t), weightDecay: options.weightDecay, epochs: options.epochs, finalLoss };
}

/** The model's outputs for raw feature rows: n×outputs (values, or probabilities). */
export function predictMlp(model: MlpModel, raw: Rows): Float64Array {
  const z = standardize(transformRows(raw, model.transform), model.standardizer);
  const forward = denseForward(model.net, model.params, z.data, z.rows);
  return interpretOutputs(forward.acts[forward.acts.length - 1], z.rows, model.head);
}
