import type { TensorSource } from '../container/source';
import type { AdaptedModule, Factorization, HadamardFactors, KroneckerFactors, KroneckerSide, LowRankFactors } from '../adapter/model';
import type { CancellationToken } from '../cancellation';
import type { ComputeBackend, FactorInput, TallFactor } from '../compute/backend';
import { singularValues } from '../linalg/jacobiSvd';
import { multiplyTransposed, type Matrix } from '../linalg/matrix';
import { productSvd } from '../linalg/productSvd';
import { FactorTooLargeError } from './factorErrors';
import { readAt, readB, readLowRank, readMixer, readPair, readStored, streamedSourceOf, type LowRankData } from './factors';
import { DEFAULT_FACTOR_LIMITS, streamedR, type FactorLimits } from './streamedFactor';
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
 * A module's spectrum in two halves: the tall factors whose triangular factors R the backend
 * computes (batched with other modules'), and the small float64 work that finishes from them.
 */
export interface SpectrumPlan {
  readonly factors: readonly TallFactor[];
  finish(R: readonly Matrix[]): Spectrum;
}

/**
 * docs/design.md §1: with B = Q_B·R_B and Aᵀ = Q_A·R_A, ΔW = Q_B·(s·R_B·M·R_Aᵀ)·Q_Aᵀ exactly, so its
 * singular values are those of the core, at O((m+n)r²) cost and with no Gram matrix formed. The
 * SVD is of the product F·R_Aᵀ, F = s·R_B·M, taken without forming it (productSvd): forming K in
 * float64 loses the small singular values whenever the components are not stored largest-first,
 * which LoRA components never promise. K is still formed, for display only.
 */
export function finishLowRank(RB: Matrix, RA: Matrix, M: Matrix | undefined, scale: number): Spectrum {
  const F = leftFactor(RB, M, scale);
  return { singularValues: productSvd(F, RA, false).values, core: multiplyTransposed(F, RA) };
}

/** The spectrum of factors already in memory: R of both through the backend, then the core's SVD. */
export async function lowRankSpectrum(data: LowRankData, scale: number, backend: ComputeBackend, token?: CancellationToken): Promise<Spectrum> {
  const [RB, RA] = await backend.triangularFactors([data.B, data.At], token);
  return finishLowRank(RB, RA, data.M, scale);
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

/** Plans any supported module's spectrum: reads and decodes its factors in the backend's form. */
export async function planSpectrum(
  file: TensorSource,
  module: AdaptedModule,
  factors: Factorization,
  input: FactorInput,
  workspace?: Workspace,
  limits: FactorLimits = DEFAULT_FACTOR_LIMITS,
  token?: CancellationToken,
): Promise<SpectrumPlan> {
  switch (factors.type) {
    case 'lowRank': {
      if (!factors.mid) {
        const streamed = await planStreamed(file, module, factors, input, workspace, limits, token);
        if (streamed) return streamed;
      }
      const data = await readLowRank(file, factors, input, workspace, limits);
      return { factors: [data.B, data.At], finish: ([RB, RA]) => finishLowRank(RB, RA, data.M, module.scale) };
    }
    case 'hadamard': {
      const { B, At } = await readHadamard(file, factors, workspace, limits);
      return { factors: [B, At], finish: ([RB, RA]) => finishLowRank(RB, RA, undefined, module.scale) };
    }
    case 'kronecker':
      return planKronecker(file, factors, module.scale, workspace, limits);
  }
}

/**
 * A low-rank module with a factor past the whole-read bound: that factor's R is taken now by the
 * streamed tall-skinny QR (streamedR), the other factor goes to the backend as usual, and the
 * core is finished from both R's exactly as for factors read whole. Null when neither factor is
 * past the bound.
 */
async function planStreamed(
  file: TensorSource,
  module: AdaptedModule,
  f: LowRankFactors,
  input: FactorInput,
  workspace: Workspace | undefined,
  limits: FactorLimits,
  token: CancellationToken | undefined,
): Promise<SpectrumPlan | null> {
  const sources = [streamedSourceOf(file, f.B, 'B', limits), streamedSourceOf(file, f.A, 'At', limits)];
  if (!sources[0] && !sources[1]) return null;
  const refs = [f.B, f.A];
  const known: (Matrix | null)[] = [];
  const factors: TallFactor[] = [];
  for (const [i, source] of sources.entries()) {
    if (source) known.push(await streamedR(file, source, limits, token));
    else {
      known.push(null);
      factors.push(await (i === 0 ? readB : readAt)(file, refs[i], input, workspace, limits));
    }
  }
  const r = known[0]?.cols ?? known[1]?.cols ?? factors[0].cols;
  const { M } = await readMixer(file, f, r);
  return {
    factors,
    finish: (R) => {
      let next = 0;
      const [RB, RA] = known.map((k) => k ?? R[next++]);
      return finishLowRank(RB, RA, M, module.scale);
    },
  };
}

/**
 * LoHa: (W1a·W1b) ⊙ (W2a·W2b) = B'·A' exactly, with B' the row-wise Khatri–Rao product of W1a
 * and W2a (m × r1·r2) and A' the column-wise one of W1b and W2b (r1·r2 × n). Its rank is at most
 * r1·r2 and the QR route applies unchanged. With Tucker cores (LyCORIS functional/loha.py
 * HadaWeightTucker: each half is einsum('i j …, j r, i p -> p r …', t, w_b, w_a)) a half is the
 * pair w_aᵀ·(t contracted with w_b), so the same product holds with the contracted A of each half.
 */
async function readHadamard(file: TensorSource, f: HadamardFactors, workspace: Workspace | undefined, limits: FactorLimits): Promise<{ B: TallFactor; At: TallFactor }> {
  const one = await readPair(file, f.w1a, f.w1b, f.t1, workspace, limits);
  const two = await readPair(file, f.w2a, f.w2b, f.t2, workspace, limits);
  const r = one.B.cols * two.B.cols;
  const largest = Math.max(one.B.rows, one.At.rows) * r;
  if (largest > limits.maxElements) throw new FactorTooLargeError(`${f.w1a.tensor} ⊙ ${f.w2a.tensor} (Khatri–Rao product)`, largest, limits.maxElements);
  const B = khatriRao(one.B, two.B);
  const At = khatriRao(one.At, two.At);
  return { B: { rows: B.rows, cols: B.cols, layout: 'wide', values: B.data }, At: { rows: At.rows, cols: At.cols, layout: 'wide', values: At.data } };
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
async function planKronecker(file: TensorSource, f: KroneckerFactors, scale: number, workspace: Workspace | undefined, limits: FactorLimits): Promise<SpectrumPlan> {
  const sides = [await planSide(file, f.w1, workspace, limits), await planSide(file, f.w2, workspace, limits)];
  const factors = sides.flatMap((s) => (Array.isArray(s) ? s : []));
  return {
    factors,
    finish: (R) => {
      let next = 0;
      const [s1, s2] = sides.map((s) => (Array.isArray(s) ? finishLowRank(R[next++], R[next++], undefined, 1).singularValues : s));
      const values = new Float64Array(s1.length * s2.length);
      let k = 0;
      for (const x of s1) for (const y of s2) values[k++] = Math.abs(scale) * x * y;
      values.sort().reverse();
      return { singularValues: values, core: null };
    },
  };
}

/** A full side's singular values now (a small dense matrix), or a low-rank side's two factors. */
async function planSide(file: TensorSource, side: KroneckerSide, workspace: Workspace | undefined, limits: FactorLimits): Promise<Float64Array | TallFactor[]> {
  if ('full' in side) {
    const s = await readStored(file, side.full, false, undefined, limits);
    // The column-major view of a row-major matrix is its transpose: same singular values.
    return singularValues({ rows: s.cols, cols: s.rows, data: s.data });
  }
  // A Tucker side is rebuilt as LyCORIS functional/general.py rebuild_tucker does:
  // einsum('i j …, i p, j r -> p r …', t, w_a, w_b) = w_aᵀ·(t contracted with w_b).
  const { B, At } = await readPair(file, side.B, side.A, side.mid, workspace, limits);
  return [
    { rows: B.rows, cols: B.cols, layout: 'wide', values: B.data },
    { rows: At.rows, cols: At.cols, layout: 'wide', values: At.data },
  ];
}
