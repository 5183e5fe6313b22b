import { SeededRandom } from '../../zoo/random';
import { strataOf, subsetTarget, type Target } from '../crossValidate';
import { pickRows, type Rows } from '../dense';
import { fitStandardizer, standardize, type BoundedStandardizer } from '../standardize';
import { denseForward, denseParamCount, initDense, type DenseShape } from '../network/denseNet';
import { validationSplit } from '../network/fitLoop';
import { headOf, interpretOutputs, networkTarget, outputCount, type NetworkTarget, type OutputHead } from '../network/loss';
import { fitMlpParams } from '../network/mlp';
import type { NetworkOptions } from '../network/networkOptions';

/**
 * A baseline MLP on raw (not invariant) input rows: z = (x − mean)/scale, not clamped (as the
 * linear raw-factor baseline: clamping a column to its training range would hide how far a
 * reparametrized row moves), then tanh hidden layers and a linear output.
 */
export interface BaselineMlp {
  readonly standardizer: BoundedStandardizer;
  readonly net: DenseShape;
  readonly params: Float64Array;
  readonly head: OutputHead;
  /** Steps taken and the step whose parameters were kept (early stopping). */
  readonly epochs: number;
  readonly bestEpoch: number;
}

/**
 * The rows to fit at one step: `fit` are indices into the stored training rows; the result has
 * one row per index in that order. For GL(r) augmentation it reparametrizes each adapter afresh.
 */
export type EpochRows = (epoch: number, fit: readonly number[]) => Rows;

/**
 * Fits a baseline MLP the way the networks are fitted: full-batch Adam on mlpObjective (mean
 * loss plus weight decay), early stopping on a seeded validation split of the training rows
 * (validationSplit, stratified on the target; rows as stored), the best parameters kept
 * (fitLoop). The standardizer comes from the stored training rows. With `epochRows`, each step
 * trains on the rows it returns instead of the stored ones (data augmentation).
 */
export function trainBaselineMlp(x: Rows, target: Target, options: NetworkOptions, epochRows?: EpochRows): BaselineMlp {
  const standardizer = fitStandardizer(x, false);
  const split = validationSplit(x.rows, options.seed, strataOf(target));
  const fitTarget = networkTarget(subsetTarget(target, split.fit));
  const head = headOf(fitTarget);
  const net: DenseShape = { sizes: [x.cols, ...options.hidden, outputCount(head)], activation: 'tanh' };
  const params = new Float64Array(denseParamCount(net));
  initDense(net, params, new SeededRandom(options.seed));
  const stored = standardize(pickRows(x, split.fit), standardizer);
  const fit = epochRows ? (epoch: number) => standardize(epochRows(epoch, split.fit), standardizer) : stored;
  const held = standardize(pickRows(x, split.validation), standardizer);
  const run = fitMlpParams(net, params, fit, fitTarget, held, sameScale(subsetTarget(target, split.validation), fitTarget), options);
  return { standardizer, net, params, head, epochs: run.epochs, bestEpoch: run.bestEpoch };
}

/** Validation targets standardized with the fitting rows' mean and scale, so both losses are on one scale. */
function sameScale(target: Target, fit: NetworkTarget): NetworkTarget {
  if (target.kind === 'classes' || fit.kind === 'classification') return networkTarget(target);
  return { kind: 'regression', y: target.values.map((v) => (v - fit.mean) / fit.scale), mean: fit.mean, scale: fit.scale };
}

/** The model's outputs for raw rows: n×outputs (values in the target's unit, or probabilities). */
export function predictBaselineMlp(model: BaselineMlp, x: Rows): Float64Array {
  const z = standardize(x, model.standardizer);
  const forward = denseForward(model.net, model.params, z.data, z.rows);
  return interpretOutputs(forward.acts[forward.acts.length - 1], z.rows, model.head);
}
