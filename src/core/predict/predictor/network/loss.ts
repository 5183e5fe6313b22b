import type { Target } from '../crossValidate';

/**
 * What a network's output layer is trained against. Regression: one output fitted to the
 * target standardized by its training mean and scale (so one learning rate fits every unit);
 * the exported model folds `mean`/`scale` back into the last layer. Classification: one logit
 * per label, softmax cross-entropy.
 */
/** What the output layer means once trained: the target's mean and scale, or the label count. */
export type OutputHead = { readonly kind: 'regression'; readonly mean: number; readonly scale: number } | { readonly kind: 'classification'; readonly count: number };

export type NetworkTarget =
  | { readonly kind: 'regression'; readonly y: Float64Array; readonly mean: number; readonly scale: number }
  | { readonly kind: 'classification'; readonly classes: readonly number[]; readonly count: number };

/** The head a trained network keeps (the target without its rows). */
export function headOf(target: NetworkTarget): OutputHead {
  return target.kind === 'regression' ? { kind: 'regression', mean: target.mean, scale: target.scale } : { kind: 'classification', count: target.count };
}

/** The network target for these rows of a CV target. */
export function networkTarget(target: Target): NetworkTarget {
  if (target.kind === 'classes') return { kind: 'classification', classes: target.classes, count: target.labels.length };
  const n = target.values.length;
  const mean = target.values.reduce((s, v) => s + v, 0) / Math.max(1, n);
  const sd = Math.sqrt(target.values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, n));
  const scale = sd > 0 ? sd : 1;
  return { kind: 'regression', y: target.values.map((v) => (v - mean) / scale), mean, scale };
}

/** These rows of a network target, keeping the regression's mean and scale (so a validation split is scored in the training rows' units). */
export function subsetNetworkTarget(target: NetworkTarget, rows: readonly number[]): NetworkTarget {
  if (target.kind === 'regression') return { ...target, y: Float64Array.from(rows, (r) => target.y[r]) };
  return { ...target, classes: rows.map((r) => target.classes[r]) };
}

export function outputCount(target: OutputHead): number {
  return target.kind === 'regression' ? 1 : target.count;
}

/**
 * The mean loss over `rows` outputs and its gradient with respect to them. Regression: ½(o − y)²;
 * classification: −log softmax(o)_y, gradient softmax(o) − onehot(y). Softmax is shifted by
 * the row's largest logit, so large logits do not overflow.
 */
export function outputLoss(out: Float64Array, rows: number, target: NetworkTarget): { readonly loss: number; readonly dOut: Float64Array } {
  const dOut = new Float64Array(out.length);
  let loss = 0;
  if (target.kind === 'regression') {
    for (let r = 0; r < rows; r++) {
      const e = out[r] - target.y[r];
      loss += (0.5 * e * e) / rows;
      dOut[r] = e / rows;
    }
    return { loss, dOut };
  }
  const c = target.count;
  for (let r = 0; r < rows; r++) {
    const p = softmaxRow(out, r, c);
    loss -= Math.log(Math.max(p[target.classes[r]], 1e-300)) / rows;
    for (let j = 0; j < c; j++) dOut[r * c + j] = (p[j] - (j === target.classes[r] ? 1 : 0)) / rows;
  }
  return { loss, dOut };
}

/** softmax of row r of a rows×c logit matrix. */
function softmaxRow(logits: Float64Array, r: number, c: number): Float64Array {
  let max = -Infinity;
  for (let j = 0; j < c; j++) max = Math.max(max, logits[r * c + j]);
  const p = new Float64Array(c);
  let sum = 0;
  for (let j = 0; j < c; j++) sum += p[j] = Math.exp(logits[r * c + j] - max);
  return p.map((v) => v / sum);
}

/** Raw outputs → what the predictor reports: the value in the target's unit, or probabilities. */
export function interpretOutputs(out: Float64Array, rows: number, target: OutputHead): Float64Array {
  if (target.kind === 'regression') return out.map((v) => v * target.scale + target.mean);
  const c = target.count;
  const probabilities = new Float64Array(rows * c);
  for (let r = 0; r < rows; r++) probabilities.set(softmaxRow(out, r, c), r * c);
  return probabilities;
}
