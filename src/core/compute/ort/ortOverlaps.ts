import type { Tensor } from 'onnxruntime-node';
import { throwIfCancelled, type CancellationToken } from '../../cancellation';
import { cholesky, invertUpper, multiplyUpper } from '../../linalg/cholesky';
import { identity, multiply, transposeMultiply, type Matrix } from '../../linalg/matrix';
import type { FactorPair, PairOverlap, TallFactor } from '../backend';
import { pairGramGraph, pairProjectedGramGraph, residualGramGraph, type StackInput } from '../onnx/overlapGraphs';
import { pairOverlapJs } from '../pairOverlaps';
import { blocks, crossOf, gramComplement, largest, pooled, rowMajorStack, scaledInverseNorm, shiftOf, withShift } from './overlapAlgebra';
import { loadOrt, type OrtSessions } from './runtime';

/**
 * One CholeskyQR pass is enough when its Q = T·R⁻¹ is already as orthonormal as CholeskyQR2's.
 * The Gram's rounding is E = D·Ẽ·D with |Ẽ| ≤ γ_d (D = T's column norms), so
 * ‖QᵀQ − I‖ ≤ γ_d·‖D·R⁻¹‖₂² ≤ γ_d·‖D·R⁻¹‖_F², while CholeskyQR2's own bound is ~6·r·γ_d
 * (Yamamoto et al. 2015). ‖D·R⁻¹‖_F² ≤ ONE_PASS·r keeps one pass within that bound; a
 * well-conditioned factor (κ of its column-scaled form near 1) gives about r. Stacks with a
 * factor past it take the second pass.
 */
const ONE_PASS = 4;
/**
 * R_Z comes from chol(I − CᵀC) while 1 − ‖C‖₂² (the smallest sin² of the principal angles)
 * is at least this: the Gram of [Q1 Q2] then loses at most a factor 1/GAP to cancellation
 * (≤ 4·ε relative). Closer pairs (late checkpoints, shared directions) form Z in R^d instead.
 */
const RESIDUAL_GAP = 0.25;
/** As OrtBackend's: below this many elements a factor is cheaper in TypeScript than in a run. */
const SMALL_FACTOR = 4096;

/** Pairs of equal heights, ranks, layouts and precisions: one stack [N, d, r] per side. */
interface PairStack {
  readonly first: StackInput;
  readonly second: StackInput;
  readonly d: number;
  readonly r1: number;
  readonly r2: number;
  readonly members: number[];
}

/**
 * What the CholeskyQR passes left for one pair (null where Cholesky failed): the final R's, C,
 * and after two passes the first pass's inverses L = R_a⁻¹ and the second's R_b (R = R_b·R_a),
 * from which Z is formed as the second pass formed Q = T·L·R_b⁻¹.
 */
interface Passed {
  readonly R1: Matrix;
  readonly R2: Matrix;
  readonly cross: Matrix;
  readonly twice?: { readonly L1: Matrix; readonly L2: Matrix; readonly R1b: Matrix; readonly R2b: Matrix };
}

/**
 * ComputeBackend.pairOverlaps on onnxruntime. Per stack of pairs: one run for the Gram blocks
 * of [T1 T2] (T1ᵀT1, T2ᵀT2, T1ᵀT2; Cholesky here gives R1, R2 and C = R1⁻ᵀ·T1ᵀT2·R2⁻¹), a
 * second CholeskyQR pass when a factor is not near-orthogonal already (see ONE_PASS), and
 * R_Z either from chol(I − CᵀC) for pairs whose subspaces are well apart or, for close pairs,
 * by CholeskyQR2 of Z = Q2 − Q1·C formed on the device (two or three more runs; see residuals).
 * Pairs past CholeskyQR's reach (a factor's Gram not numerically positive definite: zero,
 * rank-deficient or κ ≳ 1e8 factors; a Z past even shifted CholeskyQR3's, when a direction is
 * shared exactly while others differ) and tiny factors take the Householder reference
 * (pairOverlapJs).
 */
export class OrtOverlaps {
  /** Pairs that took the Householder reference although large enough for the device. */
  fallbacks = 0;
  private readonly pool32: Float32Array[] = [];
  private readonly pool64: Float64Array[] = [];

  constructor(private readonly sessions: OrtSessions) {}

  async run(pairs: readonly FactorPair[], token?: CancellationToken): Promise<PairOverlap[]> {
    const out: (PairOverlap | undefined)[] = new Array(pairs.length);
    for (const stack of stacksOf(pairs)) {
      throwIfCancelled(token);
      const small = stack.d < Math.max(stack.r1, stack.r2) || stack.d * Math.min(stack.r1, stack.r2) < SMALL_FACTOR;
      const done = small ? [] : await this.stackOverlaps(stack, pairs);
      stack.members.forEach((index, k) => {
        if (!done[k] && !small) this.fallbacks++;
        out[index] = done[k] ?? pairOverlapJs(pairs[index]);
      });
    }
    return out as PairOverlap[];
  }

  private async stackOverlaps(stack: PairStack, pairs: readonly FactorPair[]): Promise<(PairOverlap | null)[]> {
    const X1 = this.tensor(
      stack.first,
      stack.members.map((i) => pairs[i].first),
      0,
    );
    const X2 = this.tensor(
      stack.second,
      stack.members.map((i) => pairs[i].second),
      1,
    );
    const passed = await this.choleskyPasses(stack, X1, X2);
    const out: (PairOverlap | null)[] = passed.map((p) => {
      if (!p) return null;
      const gap = 1 - largest(p.cross, Math.sqrt(1 - RESIDUAL_GAP)) ** 2;
      const residual = gap >= RESIDUAL_GAP ? cholesky(gramComplement(p.cross)) : null;
      return residual ? { R1: p.R1, R2: p.R2, cross: p.cross, residual } : null;
    });
    // Close pairs: Z in R^d, for the members that can take it, as a stack of their own.
    const close = passed.flatMap((p, k) => (p && !out[k] ? [k] : []));
    if (close.length > 0) {
      const members = close.map((k) => stack.members[k]);
      const Z1 =
        close.length === passed.length
          ? X1
          : this.tensor(
              stack.first,
              members.map((i) => pairs[i].first),
              2,
            );
      const Z2 =
        close.length === passed.length
          ? X2
          : this.tensor(
              stack.second,
              members.map((i) => pairs[i].second),
              3,
            );
      const residuals = await this.residuals(
        stack,
        Z1,
        Z2,
        close.map((k) => passed[k] as Passed),
      );
      close.forEach((k, c) => {
        const p = passed[k] as Passed;
        const residual = residuals[c];
        if (residual) out[k] = { R1: p.R1, R2: p.R2, cross: p.cross, residual };
      });
    }
    return out;
  }

  /** R1, R2 and C of every pair of the stack by CholeskyQR (two passes when a factor needs them). */
  private async choleskyPasses(stack: PairStack, X1: Tensor, X2: Tensor): Promise<(Passed | null)[]> {
    const { r1, r2 } = stack;
    const N = stack.members.length;
    const first = await this.sessions.run(pairGramGraph(stack.first, stack.second), { X1, X2 });
    const Ra = blocks(first.G11.data as Float64Array, N, r1, r1).map(cholesky);
    const Rb = blocks(first.G22.data as Float64Array, N, r2, r2).map(cholesky);
    const Ia = Ra.map((R) => (R ? invertUpper(R) : null));
    const Ib = Rb.map((R) => (R ? invertUpper(R) : null));
    const spread = Ia.map((I, k) => (I && Ib[k] ? Math.max(scaledInverseNorm(Ra[k] as Matrix, I), scaledInverseNorm(Rb[k] as Matrix, Ib[k] as Matrix)) : Infinity));
    if (!spread.some((x) => Number.isFinite(x) && x > ONE_PASS * Math.max(r1, r2))) {
      const G12 = blocks(first.G12.data as Float64Array, N, r1, r2);
      return Ra.map((R1, k) => {
        const R2 = Rb[k];
        const [I1, I2] = [Ia[k], Ib[k]];
        return R1 && R2 && I1 && I2 ? { R1, R2, cross: transposeMultiply(I1, multiply(G12[k], I2)) } : null;
      });
    }
    const ort = loadOrt();
    const L1 = rowMajorStack(
      Ia.map((I) => I ?? identity(r1)),
      r1,
      r1,
    );
    const L2 = rowMajorStack(
      Ib.map((I) => I ?? identity(r2)),
      r2,
      r2,
    );
    const second = await this.sessions.run(pairProjectedGramGraph(stack.first, stack.second), {
      X1,
      X2,
      L1: new ort.Tensor('float64', L1, [N, r1, r1]),
      L2: new ort.Tensor('float64', L2, [N, r2, r2]),
    });
    const Sa = blocks(second.G11.data as Float64Array, N, r1, r1);
    const Sb = blocks(second.G22.data as Float64Array, N, r2, r2);
    const G12 = blocks(second.G12.data as Float64Array, N, r1, r2);
    return Ra.map((R1a, k) => {
      const R2a = Rb[k];
      const R1b = R1a ? cholesky(Sa[k]) : null;
      const R2b = R2a ? cholesky(Sb[k]) : null;
      const [L1, L2] = [Ia[k], Ib[k]];
      if (!R1a || !R2a || !R1b || !R2b || !L1 || !L2) return null;
      return { R1: multiplyUpper(R1b, R1a), R2: multiplyUpper(R2b, R2a), cross: crossOf(R1b, G12[k], R2b), twice: { L1, L2, R1b, R2b } };
    });
  }

  /**
   * R_Z of close pairs by CholeskyQR2 of Z = Q2 − Q1·C formed on the device (shifted
   * CholeskyQR3 for members whose Z is numerically rank-deficient): from P = T·L with
   * W1 = −R1b⁻¹·C, W2 = R2b⁻¹ after two passes (the stack's members all took the same number),
   * from T with W1 = −R1⁻¹·C, W2 = R2⁻¹ after one (T is then near-orthogonal already).
   */
  private async residuals(stack: PairStack, X1: Tensor, X2: Tensor, passed: readonly Passed[]): Promise<(Matrix | null)[]> {
    const ort = loadOrt();
    const { r1, r2 } = stack;
    const N = passed.length;
    const projected = passed.every((p) => p.twice);
    const graph = residualGramGraph(stack.first, stack.second, projected);
    const W = passed.map((p) => {
      const [R1, R2] = p.twice && projected ? [p.twice.R1b, p.twice.R2b] : [p.R1, p.R2];
      const W1 = multiply(invertUpper(R1), p.cross);
      for (let i = 0; i < W1.data.length; i++) W1.data[i] = -W1.data[i];
      return { W1, W2: invertUpper(R2) };
    });
    const L: Record<string, Tensor> = projected
      ? {
          L1: new ort.Tensor(
            'float64',
            rowMajorStack(
              passed.map((p) => (p.twice as NonNullable<Passed['twice']>).L1),
              r1,
              r1,
            ),
            [N, r1, r1],
          ),
          L2: new ort.Tensor(
            'float64',
            rowMajorStack(
              passed.map((p) => (p.twice as NonNullable<Passed['twice']>).L2),
              r2,
              r2,
            ),
            [N, r2, r2],
          ),
        }
      : {};
    const run = async (right: readonly (Matrix | null)[]) => {
      const scaled = W.map((w, k) => {
        const S = right[k];
        return S ? { W1: multiply(w.W1, S), W2: multiply(w.W2, S) } : w;
      });
      const feeds: Record<string, Tensor> = {
        X1,
        X2,
        ...L,
        W1: new ort.Tensor(
          'float64',
          rowMajorStack(
            scaled.map((s) => s.W1),
            r1,
            r2,
          ),
          [N, r1, r2],
        ),
        W2: new ort.Tensor(
          'float64',
          rowMajorStack(
            scaled.map((s) => s.W2),
            r2,
            r2,
          ),
          [N, r2, r2],
        ),
      };
      return blocks((await this.sessions.run(graph, feeds)).G.data as Float64Array, N, r2, r2);
    };
    const first = await run(passed.map(() => null));
    const zero = first.map((G) => G.data.every((x) => x === 0));
    const plain = first.map((G, k) => (zero[k] ? null : cholesky(G)));
    const shifts = first.map((G, k) => (zero[k] || plain[k] ? 0 : shiftOf(G, stack.d)));
    // A shift below ε² moves σ(R_Z) by at most √s ≤ ε: Z is rounding noise (a module against
    // itself), and the shifted factor is as exact as any; no further pass is needed.
    const settled = shifts.map((x) => x > 0 && x <= Number.EPSILON ** 2);
    let R = first.map((G, k) => (zero[k] ? null : (plain[k] ?? cholesky(withShift(G, shifts[k])))));
    // CholeskyQR2 after the plain pass; after a shifted one (sCholeskyQR3), two more passes.
    const passes = shifts.some((x, k) => x > 0 && !settled[k]) ? 2 : 1;
    for (let pass = 0; pass < passes; pass++) {
      const G = await run(R.map((x, k) => (x && !settled[k] ? invertUpper(x) : null)));
      R = R.map((x, k) => {
        if (!x || settled[k]) return x;
        const next = cholesky(G[k]);
        return next ? multiplyUpper(next, x) : null;
      });
    }
    // Z exactly zero (Q2 = Q1·C to the last bit): R_Z = 0 is exact.
    return R.map((x, k) => (zero[k] ? { rows: r2, cols: r2, data: new Float64Array(r2 * r2) } : x));
  }

  /** One side of a stack as a tensor: the factor's own values when alone, else a pooled stack. */
  private tensor(input: StackInput, factors: readonly TallFactor[], slot: number): Tensor {
    const ort = loadOrt();
    const { rows: d, cols: r } = factors[0];
    const size = d * r;
    const dims = input.layout === 'tall' ? [factors.length, d, r] : [factors.length, r, d];
    let values: Float32Array | Float64Array;
    if (factors.length === 1) values = factors[0].values;
    else {
      const total = size * factors.length;
      values = input.type === 'double' ? pooled(this.pool64, slot, total, (n) => new Float64Array(n)) : pooled(this.pool32, slot, total, (n) => new Float32Array(n));
      factors.forEach((f, k) => values.set(f.values, k * size));
    }
    return new ort.Tensor(input.type === 'double' ? 'float64' : 'float32', values, dims);
  }
}

/** Groups pair indices by both sides' layout, precision and shape, in first-seen order. */
function stacksOf(pairs: readonly FactorPair[]): PairStack[] {
  const byKey = new Map<string, PairStack>();
  const input = (f: TallFactor): StackInput => ({ type: f.values instanceof Float32Array ? 'float' : 'double', layout: f.layout });
  pairs.forEach((p, index) => {
    if (p.first.rows !== p.second.rows) throw new RangeError(`factors of heights ${p.first.rows} and ${p.second.rows}`);
    const [a, b] = [input(p.first), input(p.second)];
    const key = `${a.type} ${a.layout} ${b.type} ${b.layout} ${p.first.rows} ${p.first.cols} ${p.second.cols}`;
    let stack = byKey.get(key);
    if (!stack) byKey.set(key, (stack = { first: a, second: b, d: p.first.rows, r1: p.first.cols, r2: p.second.cols, members: [] }));
    stack.members.push(index);
  });
  return [...byKey.values()];
}
