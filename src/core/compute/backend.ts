import type { CancellationToken } from '../cancellation';
import type { Matrix } from '../linalg/matrix';
import type { BasisOverlap } from '../linalg/overlap';

/**
 * A tall factor d×r (B is m×r, Aᵀ is n×r) in the layout the file stores it:
 * - `tall`: d×r row-major, each of its d rows contiguous (PEFT's lora_B [m, r]);
 * - `wide`: r×d row-major, each of its r columns contiguous (PEFT's lora_A [r, n] is Aᵀ this
 *   way); this is also the column-major d×r layout the float64 linear algebra works in.
 * Values are float64, or float32 when the stored values are exactly representable in it
 * (F32, F16, BF16, F8 kinds).
 */
export interface TallFactor {
  readonly rows: number;
  readonly cols: number;
  readonly layout: 'tall' | 'wide';
  readonly values: Float64Array | Float32Array;
}

/**
 * How a backend wants its factors: `float64-wide` (the reader decodes straight to float64
 * column-major, the pure TypeScript path) or `stored` (float32 where exact, stored layout: no
 * transposes, half the memory, what a device product takes).
 */
export type FactorInput = 'float64-wide' | 'stored';

/**
 * Where factor values are decoded to when a backend takes ownership of them (a worker backend
 * transfers the buffers to its thread instead of copying, and recycles them when they return).
 */
export interface FactorAllocator {
  float32(length: number): Float32Array;
  float64(length: number): Float64Array;
}

/**
 * The heavy half of every spectrum: the triangular factor R of the thin QR of tall factors
 * (B = Q_B·R_B, Aᵀ = Q_A·R_A). Everything after it is r×r work done in float64 TypeScript.
 * The pure TypeScript backend computes R by Householder QR; the onnxruntime backend by
 * CholeskyQR2 with its Gram products on the device. Both must give R to float64 accuracy.
 */
export interface ComputeBackend {
  /** Which backend and device ran, for reports (e.g. "js", "onnxruntime cpu", "onnxruntime cuda"). */
  readonly name: string;
  readonly input: FactorInput;
  /**
   * How many bytes of factors the analysis should gather before calling triangularFactors:
   * batching pays for device backends (one run per stack of equal shapes), not for the JS one.
   */
  readonly batchBytes: number;
  /** When present, factor values are decoded into buffers from here and handed over with the call. */
  readonly allocator?: FactorAllocator;
  /**
   * R of each factor: min(d, r)×r, upper trapezoidal, column-major. Factors are owned by the
   * backend from the call on and may be overwritten.
   */
  triangularFactors(factors: readonly TallFactor[], token?: CancellationToken): Promise<Matrix[]>;
  /**
   * The heavy half of a comparison: for each pair of tall factors of equal height (B1 and B2,
   * or A1ᵀ and A2ᵀ) with thin QRs T1 = Q1·R1 and T2 = Q2·R2, both R's and the overlap of Q1 and
   * Q2 (BasisOverlap: Q1ᵀQ2 and the R of the residual Q2 − Q1·Q1ᵀQ2). The tall Q's never leave
   * the backend; everything after is r-sized float64 work. Factors are owned by the backend
   * from the call on and may be overwritten.
   */
  pairOverlaps(pairs: readonly FactorPair[], token?: CancellationToken): Promise<PairOverlap[]>;
  /**
   * The heavy half of the cross-layer maps: for each group of tall factors T_1 … T_L of equal
   * height (the B's, or the Aᵀ's, of one module type across layers) with thin QRs
   * T_i = Q_i·R_i, every R_i and all overlaps Q_iᵀQ_j at once (GroupOverlap). The tall Q's never
   * leave the backend. Factors are owned by the backend from the call on and may be overwritten.
   */
  groupOverlaps(groups: readonly (readonly TallFactor[])[], token?: CancellationToken): Promise<GroupOverlap[]>;
  /**
   * The heavy half of a resize's second pass: D·T for each tall factor D (d×r) and small map T
   * (r×k), accumulated in float64 and returned in D's layout (tallProducts.ts). Factors are
   * owned by the backend from the call on and may be overwritten.
   */
  tallProducts(products: readonly TallProduct[], token?: CancellationToken): Promise<MappedFactor[]>;
  dispose(): Promise<void>;
}

/** Two tall factors of equal height whose column spans are compared. */
export interface FactorPair {
  readonly first: TallFactor;
  readonly second: TallFactor;
}

/** The R's of a pair's factors (as triangularFactors gives them) and the overlap of their Q's. */
export interface PairOverlap extends BasisOverlap {
  readonly R1: Matrix;
  readonly R2: Matrix;
}

/**
 * What groupOverlaps gives for one group: each factor's R (q_i×r_i with q_i = min(d, r_i), as
 * triangularFactors gives them) and the Gram of the stacked orthonormal bases [Q_1 … Q_L]:
 * (Σ q_i)×(Σ q_i), column-major, block (i, j) = Q_iᵀQ_j starting at row and column Σ_{l<i} q_l
 * (groupBlock). Accurate to ~ε absolutely, as PairOverlap.cross; diagonal blocks are ≈ I.
 */
export interface GroupOverlap {
  readonly R: readonly Matrix[];
  readonly cross: Matrix;
}

/** A factor as a column-major float64 matrix (a copy unless it already is one). */
export function asColumnMajor64(f: TallFactor): Matrix {
  const { rows: d, cols: r, values } = f;
  if (f.layout === 'wide') return { rows: d, cols: r, data: values instanceof Float64Array ? values : Float64Array.from(values) };
  const data = new Float64Array(d * r);
  for (let i = 0; i < d; i++) for (let j = 0; j < r; j++) data[j * d + i] = values[i * r + j];
  return { rows: d, cols: r, data };
}

/** One product D·T of a tall factor D (d×r, as read) and a small map T (r×k, column-major float64). */
export interface TallProduct {
  readonly factor: TallFactor;
  readonly map: Matrix;
}

/**
 * D·T (d×k) in D's own layout: `tall` is d×k row-major, `wide` is k×d row-major (column-major
 * d×k), so a factor read as stored comes back as the truncated factor would be stored.
 */
export interface MappedFactor extends TallFactor {
  readonly values: Float64Array;
}
