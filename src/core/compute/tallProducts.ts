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
 * D·T for column-major D (d×r): d×k column-major. Four columns of D per pass over an output
 * column, so each output element is loaded and stored r/4 times instead of r.
 */
function wideTimes(a: Float64Array | Float32Array, d: number, r: number, T: Matrix): Float64Array {
  const k = T.cols;
  const out = new Float64Array(d * k);
  for (let j = 0; j < k; j++) {
    const dst = j * d;
    const t = j * r;
    let l = 0;
    for (; l + 4 <= r; l += 4) {
      const [c0, c1, c2, c3] = [T.data[t + l], T.data[t + l + 1], T.data[t + l + 2], T.data[t + l + 3]];
      const [s0, s1, s2, s3] = [l * d, (l + 1) * d, (l + 2) * d, (l + 3) * d];
      for (let i = 0; i < d; i++) out[dst + i] += a[s0 + i] * c0 + a[s1 + i] * c1 + a[s2 + i] * c2 + a[s3 + i] * c3;
    }
    for (; l < r; l++) {
      const c = T.data[t + l];
      const src = l * d;
      for (let i = 0; i < d; i++) out[dst + i] += a[src + i] * c;
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
