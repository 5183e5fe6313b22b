import type { GlFactors } from '../factorsInput';

/**
 * One module's part of a GL-net, for one adapter. U (m×r) and V (n×r) transform as
 * (U·R, V·R⁻ᵀ) under the adapter's symmetry. The layer:
 *   U₁ = W_U·U (h×r), V₁ = W_V·V (h×r)              left multiplications: equivariant
 *   s = U₁(V₁ᵀ1), t = V₁(U₁ᵀ1)                         row / column sums of U₁V₁ᵀ, never formed
 *   U₂ = diag(H(s))·U₁, V₂ = diag(H(t))·V₁            the gate, H(x) = (1 + sign x)/2
 *   P = U₂V₂ᵀ (h×h)                                    R·R⁻¹ cancels: invariant
 * s and t are invariant, so the gate keeps U₂, V₂ equivariant and P invariant. Features:
 * slog(P) = sign(P)·ln(1 + |P|) (h² entries, row-major; P spans orders of magnitude across a
 * zoo) and three spectral traces ln(ε + tr(Mᵏ)), k = 1…3, M = (UᵀU)(VᵀV) (r×r), i.e.
 * ln Σσ², ln Σσ⁴, ln Σσ⁶ of ΔW = U·Vᵀ: every product is r×r or h×r, so a large module costs
 * O((m + n)·r·(h + r)), not m·n.
 */
const TRACE_FEATURES = 3;
/** Keeps ln finite for an all-zero module; far below any σ⁶ a stored adapter has. */
export const TRACE_EPSILON = 1e-30;

export function moduleFeatureCount(h: number): number {
  return h * h + TRACE_FEATURES;
}

/** What the backward pass needs of one module's forward pass. */
export interface LayerCache {
  readonly U1: Float64Array;
  readonly V1: Float64Array;
  readonly gU: Float64Array;
  readonly gV: Float64Array;
  readonly U2: Float64Array;
  readonly V2: Float64Array;
  readonly P: Float64Array;
}

/** C = A·B for row-major A (p×q), B (q×s). */
function matmul(A: Float64Array, B: Float64Array, p: number, q: number, s: number): Float64Array {
  const C = new Float64Array(p * s);
  for (let i = 0; i < p; i++)
    for (let k = 0; k < q; k++) {
      const a = A[i * q + k];
      if (a !== 0) for (let j = 0; j < s; j++) C[i * s + j] += a * B[k * s + j];
    }
  return C;
}

/** Aᵀ·B for A (q×p), B (q×s): p×s. */
function matmulTn(A: Float64Array, B: Float64Array, q: number, p: number, s: number): Float64Array {
  const C = new Float64Array(p * s);
  for (let k = 0; k < q; k++)
    for (let i = 0; i < p; i++) {
      const a = A[k * p + i];
      if (a !== 0) for (let j = 0; j < s; j++) C[i * s + j] += a * B[k * s + j];
    }
  return C;
}

/** A·Bᵀ for A (p×q), B (s×q): p×s. */
function matmulNt(A: Float64Array, B: Float64Array, p: number, q: number, s: number): Float64Array {
  const C = new Float64Array(p * s);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < s; j++) {
      let t = 0;
      for (let k = 0; k < q; k++) t += A[i * q + k] * B[j * q + k];
      C[i * s + j] = t;
    }
  return C;
}

/** Rows of X (h×r) scaled by H(sign of X·(Yᵀ1)): the gate, and the gate values. */
function gate(X: Float64Array, Y: Float64Array, h: number, r: number): { readonly gated: Float64Array; readonly g: Float64Array } {
  const colSums = new Float64Array(r);
  for (let a = 0; a < h; a++) for (let k = 0; k < r; k++) colSums[k] += Y[a * r + k];
  const g = new Float64Array(h);
  const gated = new Float64Array(h * r);
  for (let a = 0; a < h; a++) {
    let s = 0;
    for (let k = 0; k < r; k++) s += X[a * r + k] * colSums[k];
    g[a] = (1 + Math.sign(s)) / 2;
    for (let k = 0; k < r; k++) gated[a * r + k] = g[a] * X[a * r + k];
  }
  return { gated, g };
}

/** The learned part's features slog(P) into `out` at `at`; the cache for the backward pass. */
export function layerForward(f: GlFactors, WU: Float64Array, WV: Float64Array, h: number, out: Float64Array, at: number): LayerCache {
  const U1 = matmul(WU, f.U, h, f.m, f.r);
  const V1 = matmul(WV, f.V, h, f.n, f.r);
  const u = gate(U1, V1, h, f.r);
  const v = gate(V1, U1, h, f.r);
  const P = matmulNt(u.gated, v.gated, h, f.r, h);
  P.forEach((p, i) => (out[at + i] = Math.sign(p) * Math.log1p(Math.abs(p))));
  return { U1, V1, gU: u.g, gV: v.g, U2: u.gated, V2: v.gated, P };
}

/**
 * Adds dLoss/dW_U and dLoss/dW_V into gU, gV given dLoss/d slog(P) (h² at `at` of dFeatures).
 * The gates are piecewise constant (zero derivative off the measure-zero set s = 0).
 */
export function layerBackward(f: GlFactors, cache: LayerCache, h: number, dFeatures: Float64Array, at: number, gradWU: Float64Array, gradWV: Float64Array): void {
  const dP = new Float64Array(h * h);
  for (let i = 0; i < h * h; i++) dP[i] = dFeatures[at + i] / (1 + Math.abs(cache.P[i]));
  const dU2 = matmul(dP, cache.V2, h, h, f.r);
  const dV2 = matmulTn(dP, cache.U2, h, h, f.r);
  for (let a = 0; a < h; a++)
    for (let k = 0; k < f.r; k++) {
      dU2[a * f.r + k] *= cache.gU[a];
      dV2[a * f.r + k] *= cache.gV[a];
    }
  const dWU = matmulNt(dU2, f.U, h, f.r, f.m);
  const dWV = matmulNt(dV2, f.V, h, f.r, f.n);
  dWU.forEach((d, i) => (gradWU[i] += d));
  dWV.forEach((d, i) => (gradWV[i] += d));
}

/** ln(ε + tr(Mᵏ)), k = 1…3, M = (UᵀU)(VᵀV): functions of ΔW's singular values only. */
export function traceFeatures(f: GlFactors): Float64Array {
  const GU = matmulTn(f.U, f.U, f.m, f.r, f.r);
  const GV = matmulTn(f.V, f.V, f.n, f.r, f.r);
  const M = matmul(GU, GV, f.r, f.r, f.r);
  const M2 = matmul(M, M, f.r, f.r, f.r);
  let t1 = 0;
  let t2 = 0;
  let t3 = 0;
  for (let i = 0; i < f.r; i++)
    for (let j = 0; j < f.r; j++) {
      t1 += GU[i * f.r + j] * GV[i * f.r + j];
      t2 += M[i * f.r + j] * M[j * f.r + i];
      t3 += M2[i * f.r + j] * M[j * f.r + i];
    }
  return Float64Array.of(Math.log(TRACE_EPSILON + t1), Math.log(TRACE_EPSILON + t2), Math.log(TRACE_EPSILON + t3));
}
