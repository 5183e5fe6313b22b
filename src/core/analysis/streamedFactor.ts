import { throwIfCancelled, type CancellationToken } from '../cancellation';
import type { Matrix } from '../linalg/matrix';
import { householderR } from '../linalg/householder';
import { decodeMatrix } from '../safetensors/decodeMatrix';
import type { TensorSource } from '../container/source';
import { DTYPE_BITS } from '../safetensors/types';
import { FactorTooLargeError, ModuleDataError } from './factorErrors';

/**
 * The most elements a factor may have to be read whole. Past it (e.g. an F32 lora_A [1, 2^29],
 * 2 GiB on disk) the whole-factor path would hold it as float64 (8 bytes an element: 512 MiB
 * here, 4 GiB for that lora_A) beside the decode buffers, in each of two alternating
 * workspaces; the spectrum then takes R from bounded row blocks instead (streamedR), and every
 * other reader refuses the factor with FactorTooLargeError. 2^26 is about 4× the largest factor
 * of a real adapter (a 152k-vocabulary head at r = 128 is 2^24.2), so the streamed path is only
 * taken by tensors the whole path could not hold comfortably.
 */
export const STREAMED_FACTOR_ELEMENTS = 2 ** 26;

/**
 * Elements of one block of a streamed factor (float64: 8 MiB), so its buffers stay bounded
 * whatever the factor's height; large enough that each block's read and QR amortize the calls.
 */
export const STREAM_BLOCK_ELEMENTS = 2 ** 20;

/**
 * The largest rank r a streamed factor may have: the running R is r×r float64 and each block
 * holds at least r + 1 rows of r values, so r is bounded by the block, not by the file.
 */
export const STREAMED_MAX_RANK = 1024;

/** How factors are read: the whole-read bound and the streamed block size (tests lower both). */
export interface FactorLimits {
  /** Factors with more elements are streamed (spectrum) or refused (everything else). */
  readonly maxElements: number;
  /** Elements per block of a streamed factor. */
  readonly blockElements: number;
}

export const DEFAULT_FACTOR_LIMITS: FactorLimits = { maxElements: STREAMED_FACTOR_ELEMENTS, blockElements: STREAM_BLOCK_ELEMENTS };

/** Where a tall factor's values lie in its tensor: its elements from `start`, d×r canonical. */
export interface StreamedSource {
  readonly tensor: string;
  /** First element of the factor in the tensor (a block of a fused tensor starts past 0). */
  readonly start: number;
  /** Height d and width r of the canonical tall factor (B m×r, or Aᵀ n×r). */
  readonly rows: number;
  readonly cols: number;
  /** True when stored d×r row-major (rows contiguous); false when stored r×d (columns contiguous). */
  readonly tall: boolean;
}

/**
 * R (min(d, r)×r, column-major) of the thin QR of a tall factor too large to hold, read in row
 * blocks of about `limits.blockElements` elements: each block is stacked under the running R and
 * that (k + b)×r matrix is factored by Householder QR, whose R is the new running R. This is the
 * sequential tall-skinny QR (Demmel, Grigori, Hoemmen and Langou 2012, "Communication-optimal
 * parallel and sequential QR and LU factorizations", §3): R is the exact R of the factor plus a
 * column-wise backward error of the same order as one Householder QR of the whole factor (the
 * d/b steps' bounds add up to O(d·r·ε) per column, the bound of householder.ts), so the spectrum
 * keeps the relative accuracy docs/accuracy.md states. No Gram matrix is formed. Only one block (and
 * its raw bytes) is in memory at a time; NaN or Inf in any block is a ModuleDataError. `token`
 * is checked before each block.
 */
export async function streamedR(file: TensorSource, source: StreamedSource, limits: FactorLimits = DEFAULT_FACTOR_LIMITS, token?: CancellationToken): Promise<Matrix> {
  const info = file.header.byName.get(source.tensor);
  if (!info) throw new ModuleDataError(`${source.tensor} is not in the file`);
  const { rows: d, cols: r } = source;
  if (r > STREAMED_MAX_RANK)
    throw new FactorTooLargeError(source.tensor, d * r, limits.maxElements, `and its rank ${r} is past the ${STREAMED_MAX_RANK} a streamed factor may have`);
  const bits = DTYPE_BITS[info.dtype];
  const blockRows = Math.max(1, Math.floor(limits.blockElements / Math.max(r, 1)));
  const raw = new Uint8Array(Math.ceil((blockRows * r * bits) / 8));
  const decoded = new Float64Array(blockRows * r);
  const buffer = new Float64Array((blockRows + r) * r);
  let R: Matrix = { rows: 0, cols: r, data: new Float64Array(0) };
  for (let first = 0; first < d; first += blockRows) {
    throwIfCancelled(token);
    const b = Math.min(blockRows, d - first);
    const k = R.rows;
    const height = k + b;
    const work = buffer.subarray(0, height * r);
    for (let j = 0; j < r; j++) work.set(R.data.subarray(j * k, j * k + k), j * height);
    if (source.tall) {
      const bytes = await file.readBytes(info, { start: source.start + first * r, count: b * r }, raw);
      // Column-major b×r: column j of the block at decoded[j·b …).
      const block = decodeMatrix(bytes, info.dtype, b, r, true, info.name, file.header.file, decoded.subarray(0, b * r));
      checkBlock(source.tensor, block.nan + block.infinite);
      for (let j = 0; j < r; j++) work.set(block.data.subarray(j * b, j * b + b), j * height + k);
    } else {
      for (let j = 0; j < r; j++) {
        const bytes = await file.readBytes(info, { start: source.start + j * d + first, count: b }, raw);
        const column = decodeMatrix(bytes, info.dtype, 1, b, false, info.name, file.header.file, decoded.subarray(0, b));
        checkBlock(source.tensor, column.nan + column.infinite);
        work.set(column.data, j * height + k);
      }
    }
    R = householderR({ rows: height, cols: r, data: work });
  }
  return R;
}

function checkBlock(tensor: string, bad: number): void {
  if (bad > 0) throw new ModuleDataError(`${tensor} holds ${bad} NaN or infinite value${bad === 1 ? '' : 's'} in a streamed block; its spectrum cannot be computed`);
}
