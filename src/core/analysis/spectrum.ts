import type { CancellationToken } from '../cancellation';
import type { ComputeBackend } from '../compute/backend';
import type { AdaptedModule, Factorization, HadamardFactors, KroneckerFactors, KroneckerSide } from '../adapter/model';
import { singularValues } from '../linalg/jacobiSvd';
import { productSvd } from '../linalg/productSvd';
import { multiplyTransposed, type Matrix } from '../linalg/matrix';
import type { SafetensorsFile } from '../safetensors/reader';
import { readAt, readB, readLowRank, readStored, type LowRankData } from './factors';
import type { Workspace } from './workspace';

/** The exact spectrum of one ΔW, and the r×r core it came from. */
export interface Spectrum {
  /** Singular values of ΔW (scale included), descending. */
  readonly singularValues: Float64Array;
  /**
   * K = s·R_B·M·R_Aᵀ: ΔW's canonical mixer in orthonormal bases (ΔW = Q_B·K·Q_Aᵀ), column-major.
   * Null for LoKr, whose spectrum comes from its two Kronecker sides instead.
   */
  readonly core: Matrix | null;
}

/**
 * DESIGN.md §1: thin QR of B and Aᵀ, then the SVD of the core K = s·R_B·M·R_Aᵀ; ΔW = (Q_B U) Σ
 * (Q_A V)ᵀ exactly, so σ(K) = σ(ΔW) without forming ΔW, at O((m+n)r²) cost, and no Gram matrix
 * is ever formed. The SVD is taken of the product F·Gᵀ with F = s·R_B·M and G = R_A without
 * forming it (productSvd): forming K in float64 loses the small singular values whenever the
 * components are not stored largest-first, which LoRA components never promise. K is still
 * formed, for display only.
 */
export async function lowRankSpectrum(data: LowRankData, scale: number, backend: ComputeBackend, token?: CancellationToken): Promise<Spectrum> {
  const [RB, RA] = await backend.triangularFactors([data.B, data.At], token);
  const F = leftFactor(RB, data.M, scale);
  return { singularValues: productSvd(F, RA, false).values, core: coreMatrix(F, RA) };
}

/** F = s·R_B·M (k1×r), M the identity when absent. */
function leftFactor(RB: Matrix, M: Matrix | undefined, s: number): Matrix {
  const k1 = RB.rows;
  const r = RB.cols;
  const out = new Float64Array(k1 * r);
  if (!M) {
    for (let i = 0; i < out.length; i++) out[i] = RB.data[i] * s;
    return { rows: k1, cols: r, data: out };
  }
  for (let j = 0; j < r; j++) {
    for (let l = 0; l < r; l++) {
      const mlj = M.data[j * r + l] * s;
      if (mlj === 0) continue;
      for (let i = 0; i < k1; i++) out[j * k1 + i] += RB.data[l * k1 + i] * mlj;
    }
  }
  return { rows: k1, cols: r, data: out };
}

/** K = F·R_Aᵀ (k1×k2): the canonical mixer, for display. */
function coreMatrix(F: Matrix, RA: Matrix): Matrix {
  return multiplyTransposed(F, RA);
}

/**
 * The spectrum of any supported module. With a workspace, the plain low-rank route reads and
 * decodes its factors into reused buffers (the common case, and the hot one).
 */
export async function moduleSpectrum(file: SafetensorsFile, module: AdaptedModule, factors: Factorization, backend: ComputeBackend, token?: CancellationToken, workspace?: Workspace): Promise<Spectrum> {
  switch (factors.type) {
    case 'lowRank':
      return lowRankSpectrum(await readLowRank(file, factors, workspace), module.scale, backend, token);
    case 'hadamard':
      return lowRankSpectrum(await readHadamard(file, factors), module.scale, backend, token);
    case 'kronecker':
      return kroneckerSpectrum(file, factors, module.scale, backend, token);
  }
}

/**
 * LoHa: (W1a·W1b) ⊙ (W2a·W2b) = B'·A' exactly, with B' the row-wise Khatri–Rao product of W1a
 * and W2a (m × r1·r2) and A' the column-wise one of W1b and W2b (r1·r2 × n). Its rank is at most
 * r1·r2 and the QR route applies unchanged.
 */
async function readHadamard(file: SafetensorsFile, f: HadamardFactors): Promise<LowRankData> {
  const [b1, b2, a1, a2] = [await readB(file, f.w1a), await readB(file, f.w2a), await readAt(file, f.w1b), await readAt(file, f.w2b)];
  return { B: khatriRao(b1, b2), At: khatriRao(a1, a2) };
}

/** Column (p, q) of the result is column p of X times column q of Y, elementwise. */
function khatriRao(X: Matrix, Y: Matrix): Matrix {
  const d = X.rows;
  const out = new Float64Array(d * X.cols * Y.cols);
  for (let p = 0; p < X.cols; p++) {
    for (let q = 0; q < Y.cols; q++) {
      const dst = (p * Y.cols + q) * d;
      for (let i = 0; i < d; i++) out[dst + i] = X.data[p * d + i] * Y.data[q * d + i];
    }
  }
  return { rows: d, cols: X.cols * Y.cols, data: out };
}

/** LoKr: σ(s·kron(W1, W2)) = { s·σ_i(W1)·σ_j(W2) }, exact without forming either product. */
async function kroneckerSpectrum(file: SafetensorsFile, f: KroneckerFactors, scale: number, backend: ComputeBackend, token?: CancellationToken): Promise<Spectrum> {
  const s1 = await sideValues(file, f.w1, backend, token);
  const s2 = await sideValues(file, f.w2, backend, token);
  const values = new Float64Array(s1.length * s2.length);
  let k = 0;
  for (const x of s1) for (const y of s2) values[k++] = Math.abs(scale) * x * y;
  values.sort().reverse();
  return { singularValues: values, core: null };
}

async function sideValues(file: SafetensorsFile, side: KroneckerSide, backend: ComputeBackend, token?: CancellationToken): Promise<Float64Array> {
  if ('full' in side) {
    const s = await readStored(file, side.full);
    // The transpose has the same singular values; the column-major view of a row-major
    // matrix is its transpose, so no copy is needed.
    return singularValues({ rows: s.cols, cols: s.rows, data: s.data });
  }
  const data: LowRankData = { B: await readB(file, side.B), At: await readAt(file, side.A) };
  return (await lowRankSpectrum(data, 1, backend, token)).singularValues;
}
