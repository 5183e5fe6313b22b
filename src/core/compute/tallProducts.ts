import { throwIfCancelled, type CancellationToken } from '../cancellation';
import type { Matrix } from '../linalg/matrix';
import type { MappedFactor, TallProduct } from './backend';

/**
 * The float64 reference of the products a resize's second pass needs (B' = B·T_B,
 * A'ᵀ = Aᵀ·T_A), one after the other on the calling thread. Products accumulate in float64 in
 * the order of the r columns, whatever the input precision.
 */
export async function tallProductsJs(products: readonly TallProduct[], token?: CancellationToken): Promise<MappedFactor[]> {
  const out: MappedFactor[] = [];
  for (const p of products) {
    throwIfCancelled(token);
    out.push(tallProductJs(p));
  }
  return out;
}

/** One product of tallProductsJs. */
export function tallProductJs({ factor, map }: TallProduct): MappedFactor {
  if (factor.cols !== map.rows) throw new RangeError(`cannot multiply ${factor.rows}×${factor.cols} by ${map.rows}×${map.cols}`);
  const values = factor.layout === 'wide' ? wideTimes(factor.values, factor.rows, factor.cols, map) : tallTimes(factor.values, factor.rows, factor.cols, map);
  return { rows: factor.rows, cols: map.cols, layout: factor.layout, values };
}

/**
 * Rows of D per block of wideTimes: 256 rows of up to 64 float64 columns is 128 KiB, so the
 * block's columns stay in L2 while every output column is formed from them, instead of all of D
 * being streamed again from memory for each of the k output columns.
 */
const WIDE_BLOCK_ROWS = 256;

/**
 * D·T for column-major D (d×r): d×k column-major. Four columns of D per pass over two output
 * columns, so each output element is loaded and stored r/4 times instead of r and each value of
 * D is loaded k/2 times; rows in blocks of WIDE_BLOCK_ROWS (the block stays in cache). Each element is summed in the same order as without blocks (l = 0, 4, 8 …
 * in fours, then the rest), so the result does not depend on the block size.
 */
function wideTimes(a: Float64Array | Float32Array, d: number, r: number, T: Matrix): Float64Array {
  const k = T.cols;
  const t = T.data;
  const out = new Float64Array(d * k);
  for (let start = 0; start < d; start += WIDE_BLOCK_ROWS) {
    const end = Math.min(d, start + WIDE_BLOCK_ROWS);
    let j = 0;
    // Two output columns at a time share each load of D's four columns.
    for (; j + 2 <= k; j += 2) {
      const dst = j * d;
      const tj = j * r;
      let l = 0;
      for (; l + 4 <= r; l += 4) {
        const c0 = t[tj + l];
        const c1 = t[tj + l + 1];
        const c2 = t[tj + l + 2];
        const c3 = t[tj + l + 3];
        const e0 = t[tj + r + l];
        const e1 = t[tj + r + l + 1];
        const e2 = t[tj + r + l + 2];
        const e3 = t[tj + r + l + 3];
        const s0 = l * d;
        const s1 = s0 + d;
        const s2 = s1 + d;
        const s3 = s2 + d;
        for (let i = start; i < end; i++) {
          const x0 = a[s0 + i];
          const x1 = a[s1 + i];
          const x2 = a[s2 + i];
          const x3 = a[s3 + i];
          out[dst + i] += x0 * c0 + x1 * c1 + x2 * c2 + x3 * c3;
          out[dst + d + i] += x0 * e0 + x1 * e1 + x2 * e2 + x3 * e3;
        }
      }
      for (; l < r; l++) {
        const c = t[tj + l];
        const e = t[tj + r + l];
        const src = l * d;
        for (let i = start; i < end; i++) {
          const x = a[src + i];
          out[dst + i] += x * c;
          out[dst + d + i] += x * e;
        }
      }
    }
    for (; j < k; j++) {
      const dst = j * d;
      const tj = j * r;
      let l = 0;
      for (; l + 4 <= r; l += 4) {
        const c0 = t[tj + l];
        const c1 = t[tj + l + 1];
        const c2 = t[tj + l + 2];
        const c3 = t[tj + l + 3];
        const s0 = l * d;
        const s1 = s0 + d;
        const s2 = s1 + d;
        const s3 = s2 + d;
        for (let i = start; i < end; i++) out[dst + i] += a[s0 + i] * c0 + a[s1 + i] * c1 + a[s2 + i] * c2 + a[s3 + i] * c3;
      }
      for (; l < r; l++) {
        const c = t[tj + l];
        const src = l * d;
        for (let i = start; i < end; i++) out[dst + i] += a[src + i] * c;
      }
    }
  }
  return out;
}

/** D·T for row-major D (d×r): d×k row-major (each output row a dot product per column of T). */
function tallTimes(a: Float64Array | Float32Array, d: number, r: number, T: Matrix): Float64Array {
  const k = T.cols;
  const out = new Float64Array(d * k);
  for (let i = 0; i < d; i++) {
    const row = i * r;
    for (let j = 0; j < k; j++) {
      const t = j * r;
      let s = 0;
      for (let l = 0; l < r; l++) s += a[row + l] * T.data[t + l];
      out[i * k + j] = s;
    }
  }
  return out;
}
