import type { Rows } from './dense';
import { fitLogistic, sigmoid } from './logistic';
import { fitRidge, type LinearFit } from './ridge';
import { fitStandardizer, standardize, type BoundedStandardizer } from './standardize';

export type ModelKind = 'ridge' | 'logistic';

/**
 * What is applied to each raw feature before standardizing. `log1p` (x → ln(1 + x)) for the
 * spectral features: σ's and norms are ≥ 0 and span orders of magnitude (one diverged run in a
 * zoo has σ₁ ≈ 200 where the rest have ≈ 1), and on a linear scale such an outlier decides the
 * fit. `identity` for inputs that can be negative (the raw-factor baseline).
 */
export type InputTransform = 'identity' | 'log1p';

/** The transform applied to raw rows (a copy). */
export function transformRows(x: Rows, transform: InputTransform): Rows {
  return transform === 'identity' ? x : { rows: x.rows, cols: x.cols, data: x.data.map(Math.log1p) };
}

/**
 * A fitted predictor as the ONNX graph computes it: z = (f(x) − mean)/scale (f the input transform),
 * clamped per column to the training rows' range (BoundedStandardizer), t = z·W + b with W
 * row-major features×outputs. Ridge: one output, the value. Logistic: one column per label,
 * q_c = σ(t_c), probabilities q_c / Σ q (one-vs-rest; for two labels W's columns are −w and w,
 * so q_0 + q_1 = 1 and the normalization changes nothing).
 */
export interface LinearModel {
  readonly kind: ModelKind;
  readonly transform: InputTransform;
  readonly standardizer: BoundedStandardizer;
  readonly weights: Float64Array;
  readonly bias: Float64Array;
  readonly outputs: number;
  /** λ the ridge fit used (absolute); the logistic penalty for logistic. */
  readonly lambda: number;
}

/**
 * Fits ridge with a given λ on raw features (standardized here, on these rows only; `bounded`:
 * z clamped to the training range, see BoundedStandardizer).
 */
export function trainRidge(raw: Rows, y: Float64Array, lambda: number, transform: InputTransform, bounded = true): LinearModel {
  const x = transformRows(raw, transform);
  const standardizer = fitStandardizer(x, bounded);
  const fit = fitRidge(standardize(x, standardizer), y, lambda);
  return { kind: 'ridge', transform, standardizer, weights: fit.weights, bias: Float64Array.of(fit.bias), outputs: 1, lambda };
}

/** Fits logistic regression; `classes` are label indices 0…count−1. */
export function trainLogistic(raw: Rows, classes: readonly number[], count: number, transform: InputTransform, lambda?: number, bounded = true): LinearModel {
  const x = transformRows(raw, transform);
  const standardizer = fitStandardizer(x, bounded);
  const z = standardize(x, standardizer);
  const fits: LinearFit[] = [];
  if (count === 2) {
    const f = fitLogistic(z, Float64Array.from(classes), lambda);
    fits.push({ weights: f.weights.map((v) => -v), bias: -f.bias }, f);
  } else {
    for (let c = 0; c < count; c++)
      fits.push(
        fitLogistic(
          z,
          Float64Array.from(classes, (k) => (k === c ? 1 : 0)),
          lambda,
        ),
      );
  }
  const weights = new Float64Array(x.cols * count);
  fits.forEach((f, c) => f.weights.forEach((v, k) => (weights[k * count + c] = v)));
  return { kind: 'logistic', transform, standardizer, weights, bias: Float64Array.from(fits, (f) => f.bias), outputs: count, lambda: lambda ?? 1e-2 * x.rows };
}

/** The model's outputs for raw rows: n×outputs row-major (values, or probabilities). */
export function predictModel(model: LinearModel, raw: Rows): Float64Array {
  const x = transformRows(raw, model.transform);
  const z = standardize(x, model.standardizer);
  const c = model.outputs;
  const out = new Float64Array(x.rows * c);
  for (let r = 0; r < x.rows; r++) {
    for (let j = 0; j < c; j++) {
      let t = model.bias[j];
      for (let k = 0; k < x.cols; k++) t += z.data[r * x.cols + k] * model.weights[k * c + j];
      out[r * c + j] = model.kind === 'logistic' ? sigmoid(t) : t;
    }
    if (model.kind === 'logistic') {
      let sum = 0;
      for (let j = 0; j < c; j++) sum += out[r * c + j];
      for (let j = 0; j < c; j++) out[r * c + j] /= sum;
    }
  }
  return out;
}
