import type { Rows } from './dense';

/**
 * Per-feature centring and scaling learned on training rows: z = (x − mean) / scale. Features
 * differ by orders of magnitude (σ's of a large module vs effective ranks), and ridge's penalty
 * is only fair across columns on one scale. A column that is constant in training (a σ that is
 * zero for every rank in the zoo) gets scale 1, so it maps to 0 and carries no weight, instead
 * of dividing by zero.
 */
export interface Standardizer {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
}

/**
 * A standardizer that also clamps: z is limited per column to [lower, upper], the least and
 * greatest z of the training rows. A padded σ column (σ₅…σ₈, nonzero only for rank-8 adapters)
 * can have a small spread in training, and one held-out adapter with a large σ₅ then gets z in
 * the hundreds, which a linear or network model turns into an unbounded prediction. Clamping
 * never changes a training row (each lies within its own column's range, and the bounds are
 * computed by the same float operations), so fitting is unaffected; it only keeps unseen rows
 * within the range the model was fitted on. A constant column has bounds [0, 0].
 */
export interface BoundedStandardizer extends Standardizer {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/** Below this standard deviation (relative to the column's magnitude) a column counts as constant. */
const CONSTANT_RELATIVE = 1e-12;

/**
 * Mean, population standard deviation and z range of each column of `x` (rows × cols).
 * `bounded: false` gives bounds ±∞ (z unclamped), for the raw-factor baseline, which is scored
 * as the plain standardized ridge it has always been (see trainPredictor).
 */
export function fitStandardizer(x: Rows, bounded = true): BoundedStandardizer {
  const mean = new Float64Array(x.cols);
  const scale = new Float64Array(x.cols);
  const lower = new Float64Array(x.cols).fill(bounded ? Infinity : -Infinity);
  const upper = new Float64Array(x.cols).fill(bounded ? -Infinity : Infinity);
  for (let r = 0; r < x.rows; r++) for (let k = 0; k < x.cols; k++) mean[k] += x.data[r * x.cols + k] / x.rows;
  for (let k = 0; k < x.cols; k++) {
    let ss = 0;
    for (let r = 0; r < x.rows; r++) ss += (x.data[r * x.cols + k] - mean[k]) ** 2;
    const sd = Math.sqrt(ss / Math.max(1, x.rows));
    scale[k] = sd > CONSTANT_RELATIVE * Math.max(1, Math.abs(mean[k])) ? sd : 1;
    for (let r = 0; r < x.rows && bounded; r++) {
      const z = (x.data[r * x.cols + k] - mean[k]) / scale[k];
      lower[k] = Math.min(lower[k], z);
      upper[k] = Math.max(upper[k], z);
    }
  }
  return { mean, scale, lower, upper };
}

/**
 * z = clamp((x − mean) / scale, lower, upper) per column, as a new rows × cols matrix. The
 * exported ONNX graphs compute the same: Sub → Div → Max(lower) → Min(upper).
 */
export function standardize(x: Rows, s: BoundedStandardizer): Rows {
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.rows; r++) {
    for (let k = 0; k < x.cols; k++) {
      const z = (x.data[r * x.cols + k] - s.mean[k]) / s.scale[k];
      out[r * x.cols + k] = Math.min(Math.max(z, s.lower[k]), s.upper[k]);
    }
  }
  return { rows: x.rows, cols: x.cols, data: out };
}
