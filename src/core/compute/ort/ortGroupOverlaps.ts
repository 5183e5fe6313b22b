import type { Tensor } from 'onnxruntime-node';
import { throwIfCancelled, type CancellationToken } from '../../cancellation';
import { cholesky, invertUpper, multiplyUpper } from '../../linalg/cholesky';
import { householderQR } from '../../linalg/householder';
import { multiply, transposeMultiply, type Matrix } from '../../linalg/matrix';
import { asColumnMajor64, type GroupOverlap, type TallFactor } from '../backend';
import { groupOverlapJs } from '../groupOverlaps';
import { groupGramGraph } from '../onnx/groupGraphs';
import { scaledInverseNorm } from './overlapAlgebra';
import { loadOrt, type OrtSessions } from './runtime';

/** One CholeskyQR pass suffices below this ‖D·R⁻¹‖_F²/r: the bound ortOverlaps.ts derives (ONE_PASS). */
const ONE_PASS = 4;
/**
 * Chunks of a group per Gram: c chunks compute (c + 1)/(2c) of the full product's flops, 62.5%
 * in 10 runs at 4; more would save at most another 12.5%, in more and smaller products.
 */
const CHUNKS = 4;
/** As OrtBackend's: below this many elements a factor is cheaper in TypeScript than in a run. */
const SMALL_FACTOR = 4096;

/**
 * How each factor's Q was formed: on the device as Q = T·W (W = R⁻¹ after one CholeskyQR pass,
 * R_a⁻¹·R_b⁻¹ after two), or, where Cholesky broke down, explicitly by Householder here.
 */
type Basis = { readonly kind: 'device'; readonly R: Matrix; readonly W: Matrix; readonly M: Matrix } | { readonly kind: 'householder'; readonly R: Matrix; readonly Q: Matrix };

/**
 * ComputeBackend.groupOverlaps on onnxruntime. Per group of equal shapes: the factors widened to
 * float64 Tᵀ once, in up to CHUNKS stacks; one run per pair of stacks a ≤ b for that block of the
 * Gram of all factors side by side (Gemm [n_a·r, d]·[d, n_b·r] in float64); Cholesky of its
 * diagonal blocks here (R_i), and Q_iᵀQ_j = M_iᵀ·(T_iᵀT_j)·M_j with M_i = R_i⁻¹ for every
 * block. When a factor is not near-orthogonal already (ONE_PASS), a second round takes the Gram
 * of the P_i = T_i·R_a,i⁻¹ instead (CholeskyQR2: M_i = R_b,i⁻¹ then). A factor whose Gram is not
 * numerically positive definite (zero, rank-deficient, κ ≳ 1e8) takes Householder QR here, and
 * its blocks are formed as Q_fᵀ·T_j·W_j in float64 TypeScript (counted in `fallbacks`); groups
 * of mixed shapes, tiny or wide factors take the reference whole.
 */
export class OrtGroupOverlaps {
  /** Factors that took Householder QR although large enough for the device. */
  fallbacks = 0;

  constructor(private readonly sessions: OrtSessions) {}

  async run(groups: readonly (readonly TallFactor[])[], token?: CancellationToken): Promise<GroupOverlap[]> {
    const out: GroupOverlap[] = [];
    for (const group of groups) {
      throwIfCancelled(token);
      const route = routeOf(group);
      // Mixed ranks (rank_pattern) cannot share one Gram: the reference takes them, counted.
      if (route === 'mixed') this.fallbacks += group.length;
      out.push(route === 'device' ? await this.onDevice(group, token) : groupOverlapJs(group, token));
    }
    return out;
  }

  private async onDevice(group: readonly TallFactor[], token?: CancellationToken): Promise<GroupOverlap> {
    const ort = loadOrt();
    const N = group.length;
    const { rows: d, cols: r } = group[0];
    const S = N * r;
    const chunks = chunksOf(N);
    const stacks = chunks.map(([from, to]) => {
      const out = new Float64Array((to - from) * r * d);
      for (let k = from; k < to; k++) writeWide(group[k], out, (k - from) * r * d);
      return new ort.Tensor('float64', out, [to - from, r, d]);
    });
    // The upper chunk blocks of the Gram, mirrored into a full S×S row-major one.
    const gram = async (L: Tensor[] | null): Promise<Float64Array> => {
      const G = new Float64Array(S * S);
      for (let a = 0; a < chunks.length; a++) {
        for (let b = a; b < chunks.length; b++) {
          throwIfCancelled(token);
          const feeds = { A: stacks[a], B: stacks[b], ...(L ? { LA: L[a], LB: L[b] } : {}) };
          const block = (await this.sessions.run(groupGramGraph(L !== null), feeds)).G.data as Float64Array;
          const [rows, cols] = [(chunks[a][1] - chunks[a][0]) * r, (chunks[b][1] - chunks[b][0]) * r];
          const [r0, c0] = [chunks[a][0] * r, chunks[b][0] * r];
          for (let i = 0; i < rows; i++) {
            for (let j = 0; j < cols; j++) {
              const x = block[i * cols + j];
              G[(r0 + i) * S + c0 + j] = x;
              G[(c0 + j) * S + r0 + i] = x;
            }
          }
        }
      }
      return G;
    };
    const G1 = await gram(null);
    const Ra = range(N).map((i) => cholesky(block(G1, S, r, i, i)));
    const Ia = Ra.map((R) => (R ? invertUpper(R) : null));
    const twice = Ra.some((R, i) => R && scaledInverseNorm(R, Ia[i] as Matrix) > ONE_PASS * r);
    let G = G1;
    let bases: (Basis | null)[] = Ra.map((R, i) => (R ? { kind: 'device', R, W: Ia[i] as Matrix, M: Ia[i] as Matrix } : null));
    if (twice) {
      // Pᵀ = L·Tᵀ with L = R⁻ᵀ row-major, which is R⁻¹'s column-major data; I where Cholesky failed.
      const L = chunks.map(([from, to]) => {
        const out = new Float64Array((to - from) * r * r);
        for (let k = from; k < to; k++) out.set(Ia[k]?.data ?? identityData(r), (k - from) * r * r);
        return new ort.Tensor('float64', out, [to - from, r, r]);
      });
      G = await gram(L);
      bases = Ra.map((R1, i) => {
        const R2 = R1 ? cholesky(block(G, S, r, i, i)) : null;
        if (!R1 || !R2) return null;
        const M = invertUpper(R2);
        return { kind: 'device', R: multiplyUpper(R2, R1), W: multiply(Ia[i] as Matrix, M), M };
      });
    }
    const tall = new Map<number, Matrix>();
    const tallOf = (j: number): Matrix => tall.get(j) ?? (tall.set(j, asColumnMajor64(group[j])), tall.get(j) as Matrix);
    const done: Basis[] = bases.map((b, i) => {
      if (b) return b;
      this.fallbacks++;
      return { kind: 'householder', ...householderQR(tallOf(i)) };
    });
    const cross = new Float64Array(S * S);
    for (let i = 0; i < N; i++) {
      throwIfCancelled(token);
      for (let j = i; j < N; j++) {
        const [a, b] = [done[i], done[j]];
        const C = crossBlock(
          a,
          b,
          () => block(G, S, r, i, j),
          () => tallOf(i),
          () => tallOf(j),
        );
        for (let q = 0; q < r; q++) {
          for (let p = 0; p < r; p++) {
            const x = C.data[q * r + p];
            cross[(j * r + q) * S + i * r + p] = x;
            cross[(i * r + p) * S + j * r + q] = x;
          }
        }
      }
    }
    return { R: done.map((b) => b.R), cross: { rows: S, cols: S, data: cross } };
  }
}

/**
 * Q_iᵀQ_j for two bases: M_iᵀ·G_ij·M_j from the device Gram, Q_iᵀQ_j from explicit Q's, and
 * Q_iᵀ·T_j·W_j (or its mirror) between the two kinds, T the factor in float64.
 */
function crossBlock(a: Basis, b: Basis, gram: () => Matrix, Ti: () => Matrix, Tj: () => Matrix): Matrix {
  if (a.kind === 'device' && b.kind === 'device') return transposeMultiply(a.M, multiply(gram(), b.M));
  if (a.kind === 'householder' && b.kind === 'householder') return transposeMultiply(a.Q, b.Q);
  if (a.kind === 'householder' && b.kind === 'device') return multiply(transposeMultiply(a.Q, Tj()), b.W);
  if (a.kind === 'device' && b.kind === 'householder') return transposeMultiply(a.W, transposeMultiply(Ti(), b.Q));
  throw new Error('unreachable');
}

/**
 * Where a group runs: on the device when its factors have equal shapes (any layouts and
 * precisions) and are tall enough to be worth a run; else on the reference, `tiny` (as OrtBackend
 * keeps small factors) or `mixed` shapes.
 */
function routeOf(group: readonly TallFactor[]): 'device' | 'tiny' | 'mixed' {
  const f = group[0];
  if (!f || f.rows < f.cols || f.rows * f.cols < SMALL_FACTOR) return 'tiny';
  return group.every((g) => g.rows === f.rows && g.cols === f.cols) ? 'device' : 'mixed';
}

/** Block (i, j), r×r, of an S×S row-major Gram, as a column-major matrix. */
function block(G: Float64Array, S: number, r: number, i: number, j: number): Matrix {
  const out = new Float64Array(r * r);
  for (let p = 0; p < r; p++) for (let q = 0; q < r; q++) out[q * r + p] = G[(i * r + p) * S + j * r + q];
  return { rows: r, cols: r, data: out };
}

/**
 * Up to CHUNKS runs of consecutive factors, as even as they come: the Gram's blocks below the
 * diagonal are never computed, so c chunks cost (c + 1)/(2c) of the full product's flops.
 */
function chunksOf(N: number): [number, number][] {
  const c = Math.min(CHUNKS, N);
  return range(c).map((k) => [Math.floor((k * N) / c), Math.floor(((k + 1) * N) / c)]);
}

/** A factor's values as float64 Tᵀ (r×d row-major: each column of T contiguous) at `offset`. */
function writeWide(f: TallFactor, out: Float64Array, offset: number): void {
  const { rows: d, cols: r, values } = f;
  if (f.layout === 'wide') out.set(values, offset);
  else for (let i = 0; i < d; i++) for (let j = 0; j < r; j++) out[offset + j * d + i] = values[i * r + j];
}

function identityData(r: number): Float64Array {
  const out = new Float64Array(r * r);
  for (let i = 0; i < r; i++) out[i * r + i] = 1;
  return out;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
