import { SeededRandom } from '../../zoo/random';
import { strataOf, type Target } from '../crossValidate';
import { pickRows, type Rows } from '../dense';
import { transformRows, type InputTransform } from '../model';
import { fitStandardizer, standardize, type BoundedStandardizer } from '../standardize';
import { fitLoop, validationSplit, type FitLoopResult } from './fitLoop';
import { denseBackward, denseForward, denseParamCount, initDense, weightDecay, type DenseShape } from './denseNet';
import { headOf, interpretOutputs, networkTarget, outputCount, outputLoss, subsetNetworkTarget, type NetworkTarget, type OutputHead } from './loss';
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
  /** Adam steps taken, and the step whose parameters were kept (early stopping). */
  readonly epochs: number;
  readonly bestEpoch: number;
  /** The objective (mean loss + decay) on the fitting rows at the last step (before its update). */
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
 * Full-batch Adam on mlpObjective, in place on `params` (fitLoop): each step on the standardized
 * `fit` rows (or the rows `fit(epoch)` returns, for data augmentation), with early stopping on
 * the `held` rows when there are any. The one training loop of trainMlp and the baseline MLPs.
 */
export function fitMlpParams(
  net: DenseShape,
  params: Float64Array,
  fit: Rows | ((epoch: number) => Rows),
  fitTarget: NetworkTarget,
  held: Rows,
  heldTarget: NetworkTarget,
  options: NetworkOptions,
): FitLoopResult {
  return fitLoop(params, (p, epoch) => mlpObjective(net, p, typeof fit === 'function' ? fit(epoch) : fit, fitTarget, options.weightDecay), {
    epochs: options.epochs,
    learningRate: options.learningRate,
    patience: options.patience,
    validation:
      held.rows > 0
        ? (p) => {
            const forward = denseForward(net, p, held.data, held.rows);
            return outputLoss(forward.acts[forward.acts.length - 1], held.rows, heldTarget).loss;
          }
        : undefined,
  });
}

/**
 * Fits an MLP by full-batch Adam, at most `options.epochs` steps. The standardizer comes from
 * all these rows (no labels involved); a seeded fifth of them (validationSplit, stratified on the
 * target) is held out for early stopping (fitLoop), and the weights with the lowest held-out loss
 * are kept. Fewer than MIN_ROWS_FOR_VALIDATION rows: every row fits, for `options.epochs` steps.
 * Deterministic in `options.seed`.
 */
export function trainMlp(raw: Rows, target: Target, options: NetworkOptions, transform: InputTransform, activation: DenseShape['activation'] = 'tanh'): MlpModel {
  const x = transformRows(raw, transform);
  const standardizer = fitStandardizer(x);
  const z = standardize(x, standardizer);
  const t = networkTarget(target);
  const net: DenseShape = { sizes: [x.cols, ...options.hidden, outputCount(t)], activation };
  const params = new Float64Array(denseParamCount(net));
  initDense(net, params, new SeededRandom(options.seed));
  const split = validationSplit(z.rows, options.seed + 1, strataOf(target));
  const fitRows = pickRows(z, split.fit);
  const fitTarget = subsetNetworkTarget(t, split.fit);
  const held = pickRows(z, split.validation);
  const heldTarget = subsetNetworkTarget(t, split.validation);
  const result = fitMlpParams(net, params, fitRows, fitTarget, held, heldTarget, options);
  return {
    kind: 'mlp',
    transform,
    standardizer,
    net,
    params,
    head: headOf(t),
    weightDecay: options.weightDecay,
    epochs: result.epochs,
    bestEpoch: result.bestEpoch,
    finalLoss: result.finalLoss,
  };
}

/** The model's outputs for raw feature rows: n×outputs (values, or probabilities). */
export function predictMlp(model: MlpModel, raw: Rows): Float64Array {
  const z = standardize(transformRows(raw, model.transform), model.standardizer);
  const forward = denseForward(model.net, model.params, z.data, z.rows);
  return interpretOutputs(forward.acts[forward.acts.length - 1], z.rows, model.head);
}
