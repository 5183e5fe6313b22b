import { foldsOf, strataOf, type CvMetrics, type Target } from '../crossValidate';
import { accuracy, auc, kendallTau, rSquared } from '../metrics';

/**
 * K-fold cross-validation for any model given as `fitPredict(train, test, seed)`: fit once on
 * the `train` rows, return one or more evaluations of the `test` rows (each test.length ×
 * outputs: values, or probabilities; e.g. held-out adapters as stored and reparametrized).
 * Folds as for the linear models (foldsOf with `seed`, stratified on the target), fold f fitted with seed + f + 1;
 * held-out outputs pooled before the metrics. One CvMetrics per evaluation.
 */
export function crossValidateMany(
  n: number,
  target: Target,
  folds: number,
  seed: number,
  fitPredict: (train: readonly number[], test: readonly number[], seed: number) => readonly Float64Array[],
): CvMetrics[] {
  const k = Math.min(folds, n);
  const split = foldsOf(n, k, seed, strataOf(target));
  const outputs = target.kind === 'numeric' ? 1 : target.labels.length;
  const pooled: Float64Array[] = [];
  for (const [f, test] of split.entries()) {
    const train = split.filter((_, i) => i !== f).flat();
    fitPredict(train, test, seed + f + 1).forEach((p, e) => {
      pooled[e] ??= new Float64Array(n * outputs);
      test.forEach((r, i) => pooled[e].set(p.subarray(i * outputs, (i + 1) * outputs), r * outputs));
    });
  }
  return pooled.map((predicted) => {
    if (target.kind === 'numeric') return { kind: 'regression', r2: rSquared(target.values, predicted), kendallTau: kendallTau(target.values, predicted), folds: k };
    return { kind: 'classification', accuracy: accuracy([...target.classes], predicted, outputs), auc: auc([...target.classes], predicted, outputs), folds: k };
  });
}

/** crossValidateMany with one evaluation. */
export function crossValidateWith(
  n: number,
  target: Target,
  folds: number,
  seed: number,
  fitPredict: (train: readonly number[], test: readonly number[], seed: number) => Float64Array,
): CvMetrics {
  return crossValidateMany(n, target, folds, seed, (train, test, s) => [fitPredict(train, test, s)])[0];
}
