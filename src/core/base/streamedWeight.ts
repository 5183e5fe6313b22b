import type { LinearOperator } from '../analysis/randomizedSvd';
import { throwIfCancelled, type CancellationToken } from '../cancellation';
import type { DenseEngine } from '../compute/dense';
import type { Matrix } from '../linalg/matrix';
import { decodeStored } from '../safetensors/decodeMatrix';
import { DTYPE_BITS } from '../safetensors/types';
import type { BaseWeight } from './baseModel';

/**
 * The most elements a base weight may have to be read whole. In memory a weight is held as
 * float32 (4 bytes an element: 256 MiB at this bound) or float64 for F64, for the whole of its
 * module's analysis; a 32768×32768 BF16 weight (2 GiB on disk) would be 4 GiB. Past the bound
 * the weight is an operator that reads it in row blocks on every product (streamedWeightOperator):
 * no larger weight of a real model fits next to the rest of an analysis on an ordinary machine,
 * and every smaller one is read once instead of once per product (about 15 products a module).
 */
export const STREAMED_BASE_ELEMENTS = 2 ** 26;

/** Elements of one row block of a streamed weight (float32: 32 MiB). */
export const BASE_BLOCK_ELEMENTS = 2 ** 23;

/** When base weights are streamed and in what blocks (tests lower both to reach the path). */
export interface BaseWeightLimits {
  readonly maxElements: number;
  readonly blockElements: number;
}

export const DEFAULT_BASE_LIMITS: BaseWeightLimits = { maxElements: STREAMED_BASE_ELEMENTS, blockElements: BASE_BLOCK_ELEMENTS };

/**
 * W0 (the stored rows×cols matrix S, or Sᵀ when `transposed`) as an operator whose products read
 * S in blocks of whole rows, decode each block (float32 where exact, as the in-memory path) and
 * multiply it on `engine`: W0·X and W0ᵀ·Y are sums over blocks of S_b·X or S_bᵀ·Y_b, accumulated
 * in float64, so W0 is never whole in memory and each product costs one pass over the file.
 * The products equal the in-memory ones up to the order of float64 summation; NaN or Inf in
 * the weight propagates into them as it does in memory. `token` is checked before each block.
 */
export function streamedWeightOperator(
  weight: BaseWeight,
  transposed: boolean,
  engine: DenseEngine,
  limits: BaseWeightLimits = DEFAULT_BASE_LIMITS,
  token?: CancellationToken,
): LinearOperator {
  const { info, file } = weight;
  const rows = info.shape[0];
  const cols = info.elements / rows;
  const blockRows = Math.max(1, Math.floor(limits.blockElements / cols));
  const raw = new Uint8Array(Math.ceil((blockRows * cols * DTYPE_BITS[info.dtype]) / 8));
  const values = new Float32Array(blockRows * cols);

  /** Calls `use` with each row block of S (rows first … first + b), in order. */
  async function eachBlock(use: (first: number, block: { rows: number; cols: number; values: Float32Array | Float64Array }) => Promise<void>): Promise<void> {
    for (let first = 0; first < rows; first += blockRows) {
      throwIfCancelled(token);
      const b = Math.min(blockRows, rows - first);
      const bytes = await file.readBytes(info, { start: first * cols, count: b * cols }, raw);
      const decoded = decodeStored(bytes, info.dtype, b * cols, info.name, file.header.file, values);
      await use(first, { rows: b, cols, values: decoded.data });
    }
  }

  /** S·X (rows×l): each block's product lands in its own rows. */
  async function storedTimes(X: Matrix): Promise<Matrix> {
    const l = X.cols;
    const out = new Float64Array(rows * l);
    await eachBlock(async (first, block) => {
      const part = await engine.times(block, X);
      for (let j = 0; j < l; j++) out.set(part.data.subarray(j * block.rows, (j + 1) * block.rows), j * rows + first);
    });
    return { rows, cols: l, data: out };
  }

  /** Sᵀ·Y (cols×l): the sum of each block's Sᵀ_b·Y_b. */
  async function storedTimesTransposed(Y: Matrix): Promise<Matrix> {
    const l = Y.cols;
    const out = new Float64Array(cols * l);
    await eachBlock(async (first, block) => {
      const Yb = new Float64Array(block.rows * l);
      for (let j = 0; j < l; j++) Yb.set(Y.data.subarray(j * rows + first, j * rows + first + block.rows), j * block.rows);
      const part = await engine.timesTransposed(block, { rows: block.rows, cols: l, data: Yb });
      for (let i = 0; i < out.length; i++) out[i] += part.data[i];
    });
    return { rows: cols, cols: l, data: out };
  }

  const rounding = engine.unitRoundoff === undefined ? {} : { unitRoundoff: engine.unitRoundoff };
  return transposed
    ? { rows: cols, cols: rows, times: storedTimesTransposed, timesTransposed: storedTimes, ...rounding }
    : { rows, cols, times: storedTimes, timesTransposed: storedTimesTransposed, ...rounding };
}
