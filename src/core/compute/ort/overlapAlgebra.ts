import { invertUpper } from '../../linalg/cholesky';
import { singularValues } from '../../linalg/jacobiSvd';
import { multiply, transposeMultiply, type Matrix } from '../../linalg/matrix';

/**
 * The r-sized float64 algebra between the pair-overlap kernel's runs (ortOverlaps.ts): shifts,
 * cross products from Grams, bounds that pick its route, and the row-major ↔ column-major
 * conversions of ORT's [N, r, r] stacks.
 */

/**
 * The shift of shifted CholeskyQR3 (Fukaya, Kannan, Nakatsukasa, Yamamoto & Yanagisawa 2020),
 * s = 11·(d·r + r·(r + 1))·ε·‖G‖₂ (trace(G) ≥ ‖G‖₂ here): enough for Cholesky to succeed on
 * G + s·I when Z is numerically rank-deficient (subspaces that share a direction exactly, or a
 * module against itself, where Z is rounding noise); two plain passes then restore
 * orthogonality, and R_Z carries σ(Z) to ~ε·‖Z‖ absolutely, which is all the sines need.
 */
export function shiftOf(G: Matrix, d: number): number {
  const r = G.rows;
  let trace = 0;
  for (let i = 0; i < r; i++) trace += G.data[i * r + i];
  return 11 * (d * r + r * (r + 1)) * Number.EPSILON * trace;
}

/** G + shift·I. */
export function withShift(G: Matrix, shift: number): Matrix {
  const r = G.rows;
  const out = G.data.slice();
  for (let i = 0; i < r; i++) out[i * r + i] += shift;
  return { rows: r, cols: r, data: out };
}

/** C = R1⁻ᵀ·G12·R2⁻¹ (r1×r2): Q1ᵀQ2 for Q = T·R⁻¹. */
export function crossOf(R1: Matrix, G12: Matrix, R2: Matrix): Matrix {
  return transposeMultiply(invertUpper(R1), multiply(G12, invertUpper(R2)));
}

/** I − CᵀC: the Gram of Z = Q2 − Q1·C when Q1, Q2 are orthonormal. */
export function gramComplement(C: Matrix): Matrix {
  const G = transposeMultiply(C, C);
  for (let i = 0; i < G.rows; i++) for (let j = 0; j < G.cols; j++) G.data[j * G.rows + i] = (i === j ? 1 : 0) - G.data[j * G.rows + i];
  return G;
}

/**
 * ‖C‖₂, the largest cosine of the principal angles: bounded by ‖C‖_F first (enough for
 * subspaces well apart, and r² work), exactly by an SVD only when the bound says they may not be.
 */
export function largest(C: Matrix, limit: number): number {
  let s = 0;
  for (const x of C.data) s += x * x;
  if (s <= limit * limit || C.rows === 0 || C.cols === 0) return Math.sqrt(s);
  return singularValues(C)[0];
}

/**
 * ‖D·R⁻¹‖_F² with D the column norms of T (those of R: RᵀR = TᵀT): the column-scaled
 * conditioning that bounds one CholeskyQR pass's loss of orthogonality (see ONE_PASS).
 */
export function scaledInverseNorm(R: Matrix, inverse: Matrix): number {
  const r = R.rows;
  let s = 0;
  for (let i = 0; i < r; i++) {
    let norm = 0;
    for (let l = 0; l <= i; l++) norm += R.data[i * r + l] ** 2;
    for (let j = i; j < r; j++) s += norm * inverse.data[j * r + i] ** 2;
  }
  return s;
}

/** A buffer of `length` from slot `slot` of the pool, grown when too small (reused across calls). */
export function pooled<T extends Float32Array | Float64Array>(pool: T[], slot: number, length: number, make: (n: number) => T): T {
  if (!pool[slot] || pool[slot].length < length) pool[slot] = make(length);
  return pool[slot].subarray(0, length) as T;
}

/** N row-major rows×cols blocks as column-major matrices. */
export function blocks(data: Float64Array, N: number, rows: number, cols: number): Matrix[] {
  return Array.from({ length: N }, (_, k) => {
    const out = new Float64Array(rows * cols);
    const base = k * rows * cols;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[base + i * cols + j];
    return { rows, cols, data: out };
  });
}

/** Column-major matrices as one row-major [N, rows, cols] buffer. */
export function rowMajorStack(ms: readonly Matrix[], rows: number, cols: number): Float64Array {
  const out = new Float64Array(ms.length * rows * cols);
  ms.forEach((m, k) => {
    const base = k * rows * cols;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[base + i * cols + j] = m.data[j * rows + i];
  });
  return out;
}
