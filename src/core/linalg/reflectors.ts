/**
 * Householder reflector kernels shared by the QR factorizations and by the functions that apply
 * Q. A reflector is H = I − τ·v·vᵀ with v[k] = 1 implicit (LAPACK's convention) and its tail
 * v[k+1 .. d) stored in column k of a column-major d×r array; τ ∈ [1, 2], or 0 for H = I.
 *
 * These are the hot loops of the spectrum route. V8 does not vectorize and JavaScript has no
 * fused multiply-add, so speed comes from reuse per load: each pass over the reflectors' columns
 * serves several target columns, with one accumulator per (reflector, column) pair. Two
 * reflectors × four columns (eight accumulators) measured best overall in V8 on x64: fastest on
 * r = 16, within ~5–10% of the 3×3 and 4×2 tiles on r = 64 at a fraction of their code; tiles
 * past ~12 accumulators spill registers and slow down.
 */

/**
 * Turns column k of the d×r column-major `a` (rows k .. d−1) into a reflector: overwrites a[k, k]
 * with β (the diagonal entry of R) and the rows below with v's tail; returns τ. τ = 0 (H = I)
 * when the rows below the diagonal are already zero, so an exact zero column stays exact.
 *
 * The norm is a plain sum of squares unless that sum leaves the range where it is exact to
 * rounding (entries below ~1e-146 or above ~1e146), when it is recomputed scaled. The tail is
 * multiplied by 1/(x0 − β), |x0 − β| ≥ ‖x‖, so the stored entries are ≤ 1 in magnitude.
 */
export function makeReflector(a: Float64Array, d: number, k: number): number {
  const start = k * d + k;
  const end = k * d + d;
  let s0 = 0;
  let s1 = 0;
  let i = start + 1;
  for (; i + 1 < end; i += 2) {
    s0 += a[i] * a[i];
    s1 += a[i + 1] * a[i + 1];
  }
  if (i < end) s0 += a[i] * a[i];
  let tail = Math.sqrt(s0 + s1);
  if (!(s0 + s1 > 1e-290 && s0 + s1 < 1e290)) tail = scaledNorm(a, start + 1, end);
  if (tail === 0) return 0;
  const x0 = a[start];
  const norm = Math.hypot(x0, tail);
  const beta = x0 >= 0 ? -norm : norm;
  const scale = 1 / (x0 - beta);
  if (Number.isFinite(scale)) {
    for (i = start + 1; i < end; i++) a[i] *= scale;
  } else {
    const divisor = x0 - beta;
    for (i = start + 1; i < end; i++) a[i] /= divisor;
  }
  a[start] = beta;
  return (beta - x0) / beta;
}

/** ‖x[start .. end)‖₂ scaled by the largest entry, so that no square over- or underflows. */
function scaledNorm(x: Float64Array, start: number, end: number): number {
  let big = 0;
  for (let i = start; i < end; i++) big = Math.max(big, Math.abs(x[i]));
  if (big === 0 || !Number.isFinite(big)) return big;
  let s = 0;
  for (let i = start; i < end; i++) {
    const t = x[i] / big;
    s += t * t;
  }
  return big * Math.sqrt(s);
}

/**
 * Applies the reflector stored in column k of `a` (d rows, column-major) to the column of `a`
 * that starts at offset `o` (rows k .. d−1 of it change): y ← (I − τ·v·vᵀ)·y.
 */
export function reflectColumn(a: Float64Array, d: number, k: number, tau: number, o: number): void {
  const vk = k * d;
  let w0 = a[o + k];
  let w1 = 0;
  let i = k + 1;
  for (; i + 1 < d; i += 2) {
    w0 += a[vk + i] * a[o + i];
    w1 += a[vk + i + 1] * a[o + i + 1];
  }
  if (i < d) w0 += a[vk + i] * a[o + i];
  const w = (w0 + w1) * tau;
  a[o + k] -= w;
  for (i = k + 1; i < d; i++) a[o + i] -= w * a[vk + i];
}

/**
 * v_{k+1}ᵀ·v_k for the reflectors in columns k and k+1 of `a`: the one coupling coefficient of
 * the compact-WY form of H_k·H_{k+1} (LAPACK's T matrix is [[τ0, −τ0·g·τ1], [0, τ1]]).
 */
export function pairCoupling(a: Float64Array, d: number, k: number): number {
  const c0 = k * d;
  const c1 = c0 + d;
  let g = a[c0 + k + 1];
  for (let i = k + 2; i < d; i++) g += a[c1 + i] * a[c0 + i];
  return g;
}

/**
 * Applies the reflectors in columns k and k+1 of `a` to the four columns of `a` that start at
 * offsets o, o+d, o+2d, o+3d (rows k .. d−1 of each change), in one pass for the dot products
 * and one for the update. `forward`: y ← H_{k+1}·H_k·y (the order Qᵀ needs); otherwise
 * y ← H_k·H_{k+1}·y (the order Q needs). `g` is pairCoupling(a, d, k).
 *
 * Reflectors and targets share one array on purpose: V8 keeps one array's base and length in
 * registers more cheaply than two (measured ~5%); applyQ and applyQt copy into one buffer.
 */
export function reflectPairFour(a: Float64Array, d: number, k: number, tau0: number, tau1: number, g: number, forward: boolean, o: number): void {
  const c0 = k * d;
  const c1 = c0 + d;
  const o0 = o;
  const o1 = o0 + d;
  const o2 = o1 + d;
  const o3 = o2 + d;
  const h = a[c0 + k + 1];
  // Rows k and k+1 hold the implicit unit heads.
  const top0 = a[o0 + k + 1];
  const top1 = a[o1 + k + 1];
  const top2 = a[o2 + k + 1];
  const top3 = a[o3 + k + 1];
  let a0 = a[o0 + k] + h * top0;
  let a1 = a[o1 + k] + h * top1;
  let a2 = a[o2 + k] + h * top2;
  let a3 = a[o3 + k] + h * top3;
  let b0 = top0;
  let b1 = top1;
  let b2 = top2;
  let b3 = top3;
  for (let i = k + 2; i < d; i++) {
    const u = a[c0 + i];
    const w = a[c1 + i];
    const x0 = a[o0 + i];
    const x1 = a[o1 + i];
    const x2 = a[o2 + i];
    const x3 = a[o3 + i];
    a0 += u * x0;
    a1 += u * x1;
    a2 += u * x2;
    a3 += u * x3;
    b0 += w * x0;
    b1 += w * x1;
    b2 += w * x2;
    b3 += w * x3;
  }
  // Coefficients of v_k (a) and v_{k+1} (b) in the combined update.
  if (forward) {
    a0 *= tau0;
    a1 *= tau0;
    a2 *= tau0;
    a3 *= tau0;
    b0 = tau1 * (b0 - g * a0);
    b1 = tau1 * (b1 - g * a1);
    b2 = tau1 * (b2 - g * a2);
    b3 = tau1 * (b3 - g * a3);
  } else {
    b0 *= tau1;
    b1 *= tau1;
    b2 *= tau1;
    b3 *= tau1;
    a0 = tau0 * (a0 - g * b0);
    a1 = tau0 * (a1 - g * b1);
    a2 = tau0 * (a2 - g * b2);
    a3 = tau0 * (a3 - g * b3);
  }
  a[o0 + k] -= a0;
  a[o1 + k] -= a1;
  a[o2 + k] -= a2;
  a[o3 + k] -= a3;
  a[o0 + k + 1] -= h * a0 + b0;
  a[o1 + k + 1] -= h * a1 + b1;
  a[o2 + k + 1] -= h * a2 + b2;
  a[o3 + k + 1] -= h * a3 + b3;
  for (let i = k + 2; i < d; i++) {
    const u = a[c0 + i];
    const w = a[c1 + i];
    a[o0 + i] -= a0 * u + b0 * w;
    a[o1 + i] -= a1 * u + b1 * w;
    a[o2 + i] -= a2 * u + b2 * w;
    a[o3 + i] -= a3 * u + b3 * w;
  }
}

/** reflectPairFour for the single column of `a` at offset `o`. */
export function reflectPairOne(a: Float64Array, d: number, k: number, tau0: number, tau1: number, g: number, forward: boolean, o: number): void {
  const c0 = k * d;
  const c1 = c0 + d;
  const h = a[c0 + k + 1];
  const top = a[o + k + 1];
  // p, q: coefficients of v_k and v_{k+1}; two accumulators each.
  let p = a[o + k] + h * top;
  let q = top;
  let p1 = 0;
  let q1 = 0;
  let i = k + 2;
  for (; i + 1 < d; i += 2) {
    const x = a[o + i];
    const x1 = a[o + i + 1];
    p += a[c0 + i] * x;
    q += a[c1 + i] * x;
    p1 += a[c0 + i + 1] * x1;
    q1 += a[c1 + i + 1] * x1;
  }
  if (i < d) {
    p += a[c0 + i] * a[o + i];
    q += a[c1 + i] * a[o + i];
  }
  p += p1;
  q += q1;
  if (forward) {
    p *= tau0;
    q = tau1 * (q - g * p);
  } else {
    q *= tau1;
    p = tau0 * (p - g * q);
  }
  a[o + k] -= p;
  a[o + k + 1] -= h * p + q;
  for (i = k + 2; i < d; i++) a[o + i] -= p * a[c0 + i] + q * a[c1 + i];
}
