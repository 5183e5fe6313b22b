import { SeededRandom } from '../zoo/random';
import { pickRows, type Rows } from './dense';
import { accuracy, auc, kendallTau, rSquared } from './metrics';
import { predictModel, trainLogistic, trainRidge, type InputTransform, type LinearModel, type ModelKind } from './model';
import { RIDGE_LAMBDA_GRID } from './ridge';

/** What is predicted: a number per row, or a class index into `labels`. */
export type Target =
  { readonly kind: 'numeric'; readonly values: Float64Array } | { readonly kind: 'classes'; readonly classes: readonly number[]; readonly labels: readonly string[] };

/** Pooled held-out metrics: regression (R², Kendall τ) or classification (accuracy, AUC). */
export type CvMetrics =
  | { readonly kind: 'regression'; readonly r2: number; readonly kendallTau: number; readonly folds: number }
  | { readonly kind: 'classification'; readonly accuracy: number; readonly auc: number; readonly folds: number };

/** Folds of the inner search for ridge's λ (inside each outer training set). */
const INNER_FOLDS = 3;

/**
 * Rows 0…n−1 shuffled by `seed` and dealt into k folds of near-equal size. With `strata` (one
 * number per row: the numeric target, or class indices) the folds are stratified: the shuffled
 * rows are sorted by stratum and each run of k consecutive rows goes to the k folds in a random
 * order, so every fold spans the target's range. With a few dozen rows, plain shuffling can put
 * most of one value in one fold (5 of the 6 rank-8 adapters of a 24-adapter zoo), and the model
 * fitted without them has nothing to predict them from.
 */
export function foldsOf(n: number, k: number, seed: number, strata?: ArrayLike<number>): number[][] {
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = new SeededRandom(seed);
  const shuffle = (a: number[]) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [a[i], a[j]] = [a[j], a[i]];
    }
  };
  shuffle(order);
  const folds: number[][] = Array.from({ length: k }, () => []);
  if (strata === undefined) {
    order.forEach((row, i) => folds[i % k].push(row));
    return folds;
  }
  order.sort((a, b) => strata[a] - strata[b]);
  for (let start = 0; start < n; start += k) {
    const slots = Array.from({ length: k }, (_, i) => i);
    shuffle(slots);
    order.slice(start, start + k).forEach((row, i) => folds[slots[i]].push(row));
  }
  return folds;
}

/** What folds are stratified on: the numeric values, or the class indices. */
export function strataOf(target: Target): ArrayLike<number> {
  return target.kind === 'numeric' ? target.values : target.classes;
}

/**
 * Ridge's λ by inner k-fold CV (stratified on y): the grid RIDGE_LAMBDA_GRID (× n) value with the least held-out
 * squared error; ties to the larger λ (the simpler model). Too few rows for inner folds: λ = n.
 */
function chooseRidgeLambda(x: Rows, y: Float64Array, seed: number, transform: InputTransform, bounded = true): number {
  if (x.rows < 2 * INNER_FOLDS) return x.rows;
  const folds = foldsOf(x.rows, INNER_FOLDS, seed, y);
  let best = Infinity;
  let chosen = x.rows;
  for (const g of [...RIDGE_LAMBDA_GRID].reverse()) {
    let err = 0;
    for (const [f, test] of folds.entries()) {
      const train = folds.filter((_, i) => i !== f).flat();
      const m = trainRidge(
        pickRows(x, train),
        Float64Array.from(train, (r) => y[r]),
        g * train.length,
        transform,
        bounded,
      );
      const p = predictModel(m, pickRows(x, test));
      test.forEach((r, i) => (err += (p[i] - y[r]) ** 2));
    }
    if (err < best * (1 - 1e-12)) {
      best = err;
      chosen = g * x.rows;
    }
  }
  return chosen;
}

/** Fits the model kind on these rows (ridge: λ by inner CV with `seed`); `bounded` as for trainRidge. */
export function fitModel(kind: ModelKind, x: Rows, target: Target, seed: number, transform: InputTransform, bounded = true): LinearModel {
  if (kind === 'ridge') {
    if (target.kind !== 'numeric') throw new RangeError('ridge needs a numeric target');
    const y = target.values;
    return trainRidge(x, y, chooseRidgeLambda(x, y, seed, transform, bounded), transform, bounded);
  }
  if (target.kind !== 'classes') throw new RangeError('logistic regression needs a categorical target');
  return trainLogistic(x, target.classes, target.labels.length, transform, undefined, bounded);
}

/** The target of these rows, in this order. */
export function subsetTarget(target: Target, rows: readonly number[]): Target {
  return target.kind === 'numeric'
    ? { kind: 'numeric', values: Float64Array.from(rows, (r) => target.values[r]) }
    : { kind: 'classes', classes: rows.map((r) => target.classes[r]), labels: target.labels };
}

/**
 * K-fold cross-validation, stratified on the target (foldsOf): each fold is held out once, the
 * model fitted on the others (its standardizer too), and the held-out predictions pooled before
 * the metrics are computed.
 * `heldOut`, when given, replaces the held-out rows' features at evaluation only (same row
 * order as `x`): the baseline is scored on reparametrized copies of the held-out adapters.
 * `bounded` as for trainRidge (false only for the raw-factor baseline).
 */
export function crossValidate(kind: ModelKind, x: Rows, target: Target, folds: number, seed: number, transform: InputTransform, heldOut?: Rows, bounded = true): CvMetrics {
  const k = Math.min(folds, x.rows);
  const split = foldsOf(x.rows, k, seed, strataOf(target));
  const outputs = target.kind === 'numeric' ? 1 : target.labels.length;
  const predicted = new Float64Array(x.rows * outputs);
  for (const [f, test] of split.entries()) {
    const train = split.filter((_, i) => i !== f).flat();
    const model = fitModel(kind, pickRows(x, train), subsetTarget(target, train), seed + f + 1, transform, bounded);
    const p = predictModel(model, pickRows(heldOut ?? x, test));
    test.forEach((r, i) => predicted.set(p.subarray(i * outputs, (i + 1) * outputs), r * outputs));
  }
  if (target.kind === 'numeric') return { kind: 'regression', r2: rSquared(target.values, predicted), kendallTau: kendallTau(target.values, predicted), folds: k };
  return { kind: 'classification', accuracy: accuracy([...target.classes], predicted, outputs), auc: auc([...target.classes], predicted, outputs), folds: k };
}
