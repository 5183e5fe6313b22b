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

/** Below this standard deviation (relative to the column's magnitude) a column counts as constant. */
const CONSTANT_RELATIVE = 1e-12;

export function fitStandardizer(x: Rows): Standardizer {
  const mean = new Float64Array(x.cols);
  const scale = new Float64Array(x.cols);
  for (let r = 0; r < x.rows; r++) for (let k = 0; k < x.cols; k++) mean[k] += x.data[r * x.cols + k] / x.rows;
  for (let k = 0; k < x.cols; k++) {
    let ss = 0;
    for (let r = 0; r < x.rows; r++) ss += (x.data[r * x.cols + k] - mean[k]) ** 2;
    const sd = Math.sqrt(ss / Math.max(1, x.rows));
    scale[k] = sd > CONSTANT_RELATIVE * Math.max(1, Math.abs(mean[k])) ? sd : 1;
  }
  return { mean, scale };
}

export function standardize(x: Rows, s: Standardizer): Rows {
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.rows; r++) for (let k = 0; k < x.cols; k++) out[r * x.cols + k] = (x.data[r * x.cols + k] - s.mean[k]) / s.scale[k];
  return { rows: x.rows, cols: x.cols, data: out };
}
