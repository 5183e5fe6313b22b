import type { Matrix } from './matrix';

/**
 * Thin Householder QR of a tall-skinny d×r column-major matrix (LoRA factors: d up to tens of
 * thousands, r up to a few hundred). Householder QR is backward stable column by column, so R
 * carries the singular values of the input to float64 accuracy; no Gram matrix is formed.
 */

/**
 * Overwrites `a` (d×r, column-major) with its Householder reflectors below the diagonal and R on
 * and above it; returns the reflectors' τ (2/vᵀv, with v's first entry kept in `heads`).
 *
 * The trailing update is the hot loop: each reflector is applied to four columns per pass over
 * v, so each load of v serves four dot products and four updates (measured in V8: about 1.5×
 * the one-column loop; eight columns run out of registers and are slower again).
 */
function factorInPlace(a: Float64Array, d: number, r: number): { tau: Float64Array; heads: Float64Array } {
  const steps = Math.min(d, r);
  const tau = new Float64Array(steps);
  const heads = new Float64Array(steps);
  for (let k = 0; k < steps; k++) {
    const start = k * d + k;
    const end = k * d + d;
    let s0 = 0;
    let s1 = 0;
    let i = start;
    for (; i + 1 < end; i += 2) {
      s0 += a[i] * a[i];
      s1 += a[i + 1] * a[i + 1];
    }
    if (i < end) s0 += a[i] * a[i];
    const norm2 = s0 + s1;
    if (norm2 === 0) continue;
    const x0 = a[start];
    const alpha = x0 >= 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    const v0 = x0 - alpha;
    const t = 2 / (norm2 - x0 * x0 + v0 * v0);
    a[start] = v0;
    let j = k + 1;
    for (; j + 3 < r; j += 4) reflectFour(a, start, end, (j - k) * d, d, t);
    for (; j < r; j++) reflectOne(a, start, end, (j - k) * d, t);
    tau[k] = t;
    heads[k] = v0;
    a[start] = alpha;
  }
  return { tau, heads };
}

/** Applies I − t·v·vᵀ (v = a[start..end)) to the four columns at offsets o, o+d, o+2d, o+3d from v. */
function reflectFour(a: Float64Array, start: number, end: number, o: number, d: number, t: number): void {
  const o2 = o + d;
  const o3 = o2 + d;
  const o4 = o3 + d;
  let w1 = 0;
  let w2 = 0;
  let w3 = 0;
  let w4 = 0;
  for (let p = start; p < end; p++) {
    const v = a[p];
    w1 += v * a[p + o];
    w2 += v * a[p + o2];
    w3 += v * a[p + o3];
    w4 += v * a[p + o4];
  }
  w1 *= t;
  w2 *= t;
  w3 *= t;
  w4 *= t;
  for (let p = start; p < end; p++) {
    const v = a[p];
    a[p + o] -= w1 * v;
    a[p + o2] -= w2 * v;
    a[p + o3] -= w3 * v;
    a[p + o4] -= w4 * v;
  }
}

/** Applies I − t·v·vᵀ to the one column at offset o from v. */
function reflectOne(a: Float64Array, start: number, end: number, o: number, t: number): void {
  let w0 = 0;
  let w1 = 0;
  let p = start;
  for (; p + 1 < end; p += 2) {
    w0 += a[p] * a[p + o];
    w1 += a[p + 1] * a[p + 1 + o];
  }
  if (p < end) w0 += a[p] * a[p + o];
  const w = (w0 + w1) * t;
  for (p = start; p < end; p++) a[p + o] -= w * a[p];
}

/** Copies R (min(d,r)×r, upper trapezoidal) out of a factored matrix. */
function extractR(a: Float64Array, d: number, r: number): Matrix {
  const k = Math.min(d, r);
  const out = new Float64Array(k * r);
  for (let j = 0; j < r; j++) {
    const top = Math.min(j, k - 1);
    for (let i = 0; i <= top; i++) out[j * k + i] = a[j * d + i];
  }
  return { rows: k, cols: r, data: out };
}

/**
 * R of the thin QR of `m` (d×r column-major): min(d, r)×r upper trapezoidal, diagonal signs
 * arbitrary. Works in place on `m.data`, which the caller hands over.
 */
export function householderR(m: Matrix): Matrix {
  factorInPlace(m.data, m.rows, m.cols);
  return extractR(m.data, m.rows, m.cols);
}

/** Thin QR with Q formed explicitly: Q is d×k with orthonormal columns, R k×r, k = min(d, r). */
export function householderQR(m: Matrix): { Q: Matrix; R: Matrix } {
  const d = m.rows;
  const r = m.cols;
  const a = m.data.slice();
  const { tau, heads } = factorInPlace(a, d, r);
  const R = extractR(a, d, r);
  const k = Math.min(d, r);
  // Q = H_0·H_1·…·H_{k−1} applied to the first k columns of the identity, last reflector first.
  const q = new Float64Array(d * k);
  for (let j = 0; j < k; j++) q[j * d + j] = 1;
  for (let s = k - 1; s >= 0; s--) {
    const t = tau[s];
    if (t === 0) continue;
    const vs = s * d;
    for (let j = s; j < k; j++) {
      const cj = j * d;
      let w = heads[s] * q[cj + s];
      for (let i = s + 1; i < d; i++) w += a[vs + i] * q[cj + i];
      w *= t;
      q[cj + s] -= w * heads[s];
      for (let i = s + 1; i < d; i++) q[cj + i] -= w * a[vs + i];
    }
  }
  return { Q: { rows: d, cols: k, data: q }, R };
}
