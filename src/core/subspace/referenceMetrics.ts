import type { CancellationToken } from '../cancellation';
import { asColumnMajor64 } from '../compute/backend';
import { applyQ, applyQt, householderFactor, triangularFactor, type HouseholderFactors } from '../linalg/householder';
import { multiply, type Matrix } from '../linalg/matrix';
import { productSvd } from '../linalg/productSvd';
import type { ComparedSide } from './modulePair';
import type { MatrixReference, ModuleReference } from './referenceFile';
import { topSingularPair } from './referenceTopPair';

/** One checkpoint's ΔW_t = s·B·M·A measured against a module's reference. */
export interface ReferenceMeasure {
  /** |cos| between ΔW_t's top left singular vector and û (delta_w: ΔW_ref's top left one); null when ΔW_t = 0. */
  readonly alignmentU: number | null;
  /** The same for the right vectors and v̂. */
  readonly alignmentV: number | null;
  /** ‖ΔW_t − ΔW_ref‖_F / ‖ΔW_ref‖_F; ΔW_ref = θ·û·v̂ᵀ for a direction, so ‖ΔW_ref‖_F = θ. */
  readonly recoveryError: number;
  /** ⟨ΔW_t, ΔW_ref⟩_F / (‖ΔW_t‖_F·‖ΔW_ref‖_F): the share of ΔW_t along the reference; null when ΔW_t = 0. */
  readonly cosine: number | null;
  /** σ1(ΔW_t) / ‖ΔW_ref‖_F (σ1/θ for a direction). */
  readonly sigma1Ratio: number;
  /** ‖ΔW_t‖_F. */
  readonly norm: number;
}

export interface ReferenceDirections {
  readonly u: Float64Array;
  readonly v: Float64Array;
}

/**
 * û, v̂ of a reference: its own for a direction, the top singular pair of a matrix (computed once
 * per module; `reason` says why not when it is not determined: σ1 and σ2 too close, or the work
 * cap came first).
 */
export async function referenceDirections(ref: ModuleReference, token?: CancellationToken): Promise<ReferenceDirections | { readonly reason: 'close' | 'unconverged' }> {
  if (ref.kind === 'uv') return { u: ref.u, v: ref.v };
  const pair = await topSingularPair(ref, token);
  return pair.kind === 'determined' ? { u: pair.u, v: pair.v } : { reason: pair.kind };
}

/**
 * ΔW_t against a reference, exactly and without forming ΔW_t (docs/analyses.md, "Checkpoints
 * against a reference"). With B = Q_B·R_B and Aᵀ = Q_A·R_A (Householder), ΔW_t = Q_B·K·Q_Aᵀ for
 * the small K = s·R_B·M·R_Aᵀ, whose SVD (productSvd) gives σ(ΔW_t) and the top vectors
 * u1 = Q_B·U_K·e1, v1 = Q_A·V_K·e1; so û·u1 = (Q_Bᵀû)ᵀ·U_K·e1.
 *
 * The recovery error is not taken as ‖ΔW_t‖² − 2θ·ûᵀΔW_t·v̂ + θ², which cancels catastrophically
 * near recovery (the quantity the curve is about). Split û = Q_B·a + a⊥ and v̂ = Q_A·b + b⊥:
 * ΔW_t − θ·û·v̂ᵀ is then the sum of four Frobenius-orthogonal terms (column spaces Q_B and a⊥,
 * row spaces Q_A and b⊥ are orthogonal), so
 *   ‖ΔW_t − θ·û·v̂ᵀ‖² = ‖K − θ·a·bᵀ‖² + θ²·(‖a‖²·‖b⊥‖² + ‖a⊥‖²·‖b‖² + ‖a⊥‖²·‖b⊥‖²),
 * a sum of non-negative terms, each computed from r-sized quantities or residual vectors. A
 * delta_w reference is split the same way (matrixError). `directions` are the reference's
 * (referenceDirections; null gives null alignments).
 */
export function measureAgainst(side: ComparedSide, ref: ModuleReference, directions: ReferenceDirections | null): ReferenceMeasure {
  const fB = householderFactor(ownCopy(asColumnMajor64(side.data.B), side.data.B.values));
  const fA = householderFactor(ownCopy(asColumnMajor64(side.data.At), side.data.At.values));
  const RB = triangularFactor(fB);
  const RA = triangularFactor(fA);
  const F = side.data.M ? multiply(RB, side.data.M) : RB;
  for (let i = 0; i < F.data.length; i++) F.data[i] *= side.scale;
  const svd = productSvd(F, RA);
  const K = multiplyTransposed(F, RA);
  let normSquared = 0;
  for (const x of K.data) normSquared += x * x;
  const norm = Math.sqrt(normSquared);
  const sigma1 = svd.values[0] ?? 0;
  const refNorm = ref.kind === 'uv' ? ref.theta : ref.norm;
  const alignments = directions && svd.U && svd.V && sigma1 > 0 ? alignmentsOf(fB, fA, svd.U, svd.V, directions) : null;
  const { error, inner } = ref.kind === 'uv' ? directionError(fB, fA, K, ref.u, ref.v, ref.theta) : matrixError(fB, fA, K, ref);
  return {
    alignmentU: alignments?.[0] ?? null,
    alignmentV: alignments?.[1] ?? null,
    recoveryError: error / refNorm,
    cosine: norm > 0 ? inner / (norm * refNorm) : null,
    sigma1Ratio: sigma1 / refNorm,
    norm,
  };
}

/** A factor the QR may overwrite: asColumnMajor64 hands back the side's own buffer when it already is float64 column-major. */
function ownCopy(m: Matrix, original: Float64Array | Float32Array): Matrix {
  return m.data === original ? { ...m, data: m.data.slice() } : m;
}

/** F·Gᵀ (k1×k2) for F k1×r and G k2×r, column-major. */
function multiplyTransposed(F: Matrix, G: Matrix): Matrix {
  const out = new Float64Array(F.rows * G.rows);
  for (let l = 0; l < F.cols; l++)
    for (let j = 0; j < G.rows; j++) {
      const g = G.data[l * G.rows + j];
      if (g === 0) continue;
      for (let i = 0; i < F.rows; i++) out[j * F.rows + i] += F.data[l * F.rows + i] * g;
    }
  return { rows: F.rows, cols: G.rows, data: out };
}

function column(x: Float64Array): Matrix {
  return { rows: x.length, cols: 1, data: x };
}

/** Qᵀ·x (k) and the norm of x − Q·Qᵀ·x, the part of x outside Q's span, computed as a residual. */
function split(f: HouseholderFactors, x: Float64Array): { inside: Float64Array; outside: number } {
  const inside = applyQt(f, column(x)).data;
  const back = applyQ(f, column(inside)).data;
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] - back[i]) ** 2;
  return { inside, outside: Math.sqrt(sum) };
}

function alignmentsOf(fB: HouseholderFactors, fA: HouseholderFactors, U: Matrix, V: Matrix, d: ReferenceDirections): [number, number] {
  const a = applyQt(fB, column(d.u)).data;
  const b = applyQt(fA, column(d.v)).data;
  let cu = 0;
  let cv = 0;
  for (let i = 0; i < a.length; i++) cu += a[i] * U.data[i];
  for (let i = 0; i < b.length; i++) cv += b[i] * V.data[i];
  return [Math.min(1, Math.abs(cu)), Math.min(1, Math.abs(cv))];
}

function directionError(fB: HouseholderFactors, fA: HouseholderFactors, K: Matrix, u: Float64Array, v: Float64Array, theta: number): { error: number; inner: number } {
  const { inside: a, outside: aOut } = split(fB, u);
  const { inside: b, outside: bOut } = split(fA, v);
  let core = 0;
  let inner = 0;
  for (let j = 0; j < K.cols; j++)
    for (let i = 0; i < K.rows; i++) {
      const k = K.data[j * K.rows + i];
      core += (k - theta * a[i] * b[j]) ** 2;
      inner += a[i] * k * b[j];
    }
  const aIn = squaredNorm(a);
  const bIn = squaredNorm(b);
  const rest = theta * theta * (aIn * bOut * bOut + aOut * aOut * bIn + aOut * aOut * bOut * bOut);
  return { error: Math.sqrt(core + rest), inner: theta * inner };
}

/** Columns of ΔW_ref handed to the QR's reflectors at a time: about 8 MiB of float64 whatever m is. */
const BLOCK_ELEMENTS = 1 << 20;

/**
 * ‖ΔW_t − D‖_F and ⟨ΔW_t, D⟩ for a full reference D (m×n), with P_B = Q_B·Q_Bᵀ, P_A likewise:
 * D − ΔW_t = Q_B(Q_BᵀDQ_A − K)Q_Aᵀ + (I − P_B)·D + P_B·D·(I − P_A), three orthogonal terms.
 * D's columns go through Q_Bᵀ a block at a time (a residual per block), so nothing m×n beyond D
 * itself is held; E = Q_BᵀD is k×n.
 */
function matrixError(fB: HouseholderFactors, fA: HouseholderFactors, K: Matrix, ref: MatrixReference): { error: number; inner: number } {
  const { rows: m, cols: n, data } = ref;
  const k = fB.tau.length;
  const E = new Float64Array(k * n);
  let outsideColumns = 0;
  const width = Math.max(1, Math.floor(BLOCK_ELEMENTS / m));
  for (let start = 0; start < n; start += width) {
    const c = Math.min(width, n - start);
    const block = { rows: m, cols: c, data: data.subarray(start * m, (start + c) * m) };
    const inside = applyQt(fB, block);
    const back = applyQ(fB, inside).data;
    for (let i = 0; i < back.length; i++) outsideColumns += (block.data[i] - back[i]) ** 2;
    E.set(inside.data, start * k);
  }
  // Eᵀ (n×k) through Q_A: Q_AᵀEᵀ = (Q_BᵀDQ_A)ᵀ, and the residual is P_B·D·(I − P_A).
  const Et = new Float64Array(n * k);
  for (let j = 0; j < n; j++) for (let i = 0; i < k; i++) Et[i * n + j] = E[j * k + i];
  const inside = applyQt(fA, { rows: n, cols: k, data: Et });
  const back = applyQ(fA, inside).data;
  let outsideRows = 0;
  for (let i = 0; i < back.length; i++) outsideRows += (Et[i] - back[i]) ** 2;
  // inside is kA×k: entry (p, q) is (Q_BᵀDQ_A)(q, p).
  let core = 0;
  let inner = 0;
  for (let q = 0; q < K.rows; q++)
    for (let p = 0; p < K.cols; p++) {
      const d = inside.data[q * inside.rows + p];
      const w = K.data[p * K.rows + q];
      core += (d - w) ** 2;
      inner += d * w;
    }
  return { error: Math.sqrt(core + outsideColumns + outsideRows), inner };
}

function squaredNorm(x: Float64Array): number {
  let s = 0;
  for (const e of x) s += e * e;
  return s;
}
