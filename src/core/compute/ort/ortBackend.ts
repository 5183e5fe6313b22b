import { throwIfCancelled, type CancellationToken } from '../../cancellation';
import { cholesky, invertUpper, multiplyUpper } from '../../linalg/cholesky';
import { householderR } from '../../linalg/householder';
import { onePassSuffices } from '../../linalg/onePassGram';
import type { Matrix } from '../../linalg/matrix';
import { asColumnMajor64, type ComputeBackend, type FactorPair, type GroupOverlap, type MappedFactor, type PairOverlap, type TallFactor, type TallProduct } from '../backend';
import { gramGraph, projectedGramGraph } from '../onnx/graphs';
import { blockGram } from './ortGram';
import type { ElemType } from '../onnx/onnxModel';
import type { DeviceReport } from '../worker/protocol';
import { OrtGroupOverlaps } from './ortGroupOverlaps';
import { OrtOverlaps } from './ortOverlaps';
import { OrtProducts } from './ortProducts';
import { loadOrt, OrtSessions, type DeviceChoice } from './runtime';

/** Factors of equal shape, layout and precision, stacked into one tensor per ORT run. */
interface Stack {
  readonly layout: 'tall' | 'wide';
  readonly rows: number;
  readonly cols: number;
  readonly type: ElemType;
  readonly members: number[];
}

/**
 * Below this many elements a factor is not worth a device run (ORT's fixed cost per run is
 * ~20 µs plus the copies): Householder in TypeScript is faster and exact.
 */
const SMALL_FACTOR = 4096;

/**
 * R factors by CholeskyQR with the products on onnxruntime (CUDA or CPU): G = TᵀT in float64,
 * R₁ = chol(G) here. One pass squares the condition number, so R₁ is kept only where its own
 * condition estimate bounds the error it adds to every σ of ΔW by ONE_PASS_TOLERANCE
 * (onePassGram.ts; random and freshly initialized factors, whose columns are near orthogonal
 * after scaling). The others get CholeskyQR2's second pass: G₂ = (T·R₁⁻¹)ᵀ(T·R₁⁻¹) on the
 * device, R₂ = chol(G₂), R = R₂·R₁, Householder-level accuracy for any factor with κ below ~1e8
 * (Yamamoto et al. 2015). A factor beyond that (its Gram not numerically positive definite)
 * falls back to Householder QR in TypeScript, as do tiny factors and factors with fewer rows
 * than columns. The first Gram runs per factor on its own array, upper block triangle only
 * (ortGram.ts); the rare second pass runs factors of equal shape as one stack [N, d, r].
 */
export class OrtBackend implements ComputeBackend {
  readonly input = 'stored';
  /**
   * ~16 MB of factors per batch: stacks large enough that ORT's per-run cost vanishes, small
   * enough that decoded factors are still in cache when they are stacked (measured: from 4 to
   * 64 MB the time is flat once warm).
   */
  readonly batchBytes = 16 * 1024 * 1024;
  readonly sessions: OrtSessions;
  /** Factors that took the Householder fallback because their Gram was not positive definite. */
  fallbacks = 0;
  /** Factors whose R came from one Gram pass, and those that needed the second (onePassGram.ts). */
  readonly passes = { one: 0, two: 0 };
  /** The comparison kernel (pairOverlaps), on the same sessions. */
  private readonly overlaps: OrtOverlaps;
  /** The cross-layer kernel (groupOverlaps), on the same sessions. */
  private readonly groups: OrtGroupOverlaps;
  /** The resize kernel (tallProducts), on the same sessions. */
  private readonly products: OrtProducts;
  /** Stack buffers reused across calls (fresh large arrays cost page faults on every batch). */
  private readonly pool32: Float32Array[] = [];
  private readonly pool64: Float64Array[] = [];

  constructor(device: DeviceChoice = 'auto', threads?: number) {
    loadOrt();
    this.sessions = new OrtSessions(device, threads);
    this.overlaps = new OrtOverlaps(this.sessions);
    this.groups = new OrtGroupOverlaps(this.sessions);
    this.products = new OrtProducts(this.sessions);
  }

  get name(): string {
    return `onnxruntime ${this.sessions.provider ?? 'not started'}`;
  }

  async triangularFactors(factors: readonly TallFactor[], token?: CancellationToken): Promise<Matrix[]> {
    const out: (Matrix | undefined)[] = new Array(factors.length);
    for (const [i, stack] of stacks(factors).entries()) {
      throwIfCancelled(token);
      const small = stack.rows < stack.cols || stack.rows * stack.cols < SMALL_FACTOR;
      const R = small ? null : await this.choleskyQr(stack, factors, i);
      stack.members.forEach((index, k) => {
        const r = R?.[k];
        if (!r && !small) this.fallbacks++;
        out[index] = r ?? householderR(asColumnMajor64(factors[index]));
      });
    }
    return out as Matrix[];
  }

  pairOverlaps(pairs: readonly FactorPair[], token?: CancellationToken): Promise<PairOverlap[]> {
    return this.overlaps.run(pairs, token);
  }

  groupOverlaps(groups: readonly (readonly TallFactor[])[], token?: CancellationToken): Promise<GroupOverlap[]> {
    return this.groups.run(groups, token);
  }

  tallProducts(products: readonly TallProduct[], token?: CancellationToken): Promise<MappedFactor[]> {
    return this.products.run(products, token);
  }

  async dispose(): Promise<void> {
    await this.sessions.dispose();
  }

  /** Creates the first session now, so the provider is decided (and known) before any work. */
  async warmUp(): Promise<void> {
    await this.sessions.session(gramGraph('double', 'tall'));
  }

  /** What ran: provider, why CUDA was not used, threads, Householder fallbacks so far. */
  report(): DeviceReport {
    const provider = this.sessions.provider;
    return {
      backend: this.name,
      ...(provider ? { provider } : {}),
      ...(this.sessions.fallbackReason ? { fallbackReason: this.sessions.fallbackReason } : {}),
      threads: this.sessions.threads,
      fallbacks: this.fallbacks + this.overlaps.fallbacks + this.groups.fallbacks,
      passes: { ...this.passes },
    };
  }

  /** The stack's values back to back in a pooled buffer (the factor's own array when alone). */
  private stackValues(stack: Stack, factors: readonly TallFactor[], slot: number): Float32Array | Float64Array {
    const size = stack.rows * stack.cols;
    if (stack.members.length === 1) return factors[stack.members[0]].values;
    const total = size * stack.members.length;
    const out = stack.type === 'double' ? pooled(this.pool64, slot, total, (n) => new Float64Array(n)) : pooled(this.pool32, slot, total, (n) => new Float32Array(n));
    stack.members.forEach((index, k) => out.set(factors[index].values, k * size));
    return out;
  }

  /**
   * R of each stacked factor, or null where Cholesky broke down: one Gram pass per factor
   * (blockGram), R₁ = chol(G), kept where its own condition says it is exact enough
   * (onePassSuffices); the members that are not get the second pass, as a stack of their own.
   */
  private async choleskyQr(stack: Stack, factors: readonly TallFactor[], slot: number): Promise<(Matrix | null)[]> {
    const { rows: d, cols: r, members } = stack;
    const R1: (Matrix | null)[] = [];
    for (const index of members) R1.push(cholesky({ rows: r, cols: r, data: await blockGram(this.sessions, factors[index]) }));
    const inverses = R1.map((R) => (R ? invertUpper(R) : null));
    const again: number[] = [];
    R1.forEach((R, k) => {
      const inverse = inverses[k];
      if (R && inverse && !onePassSuffices(R, inverse, d)) again.push(k);
    });
    this.passes.one += R1.filter((R) => R).length - again.length;
    this.passes.two += again.length;
    if (again.length === 0) return R1;
    const second = { ...stack, members: again.map((k) => members[k]) };
    const R2 = await this.secondPass(
      second,
      factors,
      again.map((k) => inverses[k] as Matrix),
      slot,
    );
    const out = R1.slice();
    again.forEach((k, i) => (out[k] = R2[i] ? multiplyUpper(R2[i], R1[k] as Matrix) : null));
    return out;
  }

  /**
   * CholeskyQR2's second pass: G₂ = (T·R₁⁻¹)ᵀ(T·R₁⁻¹) on the device, R₂ = chol(G₂), for the
   * stack's members with their R₁⁻¹ in `inverses`; null where Cholesky broke down.
   */
  private async secondPass(stack: Stack, factors: readonly TallFactor[], inverses: readonly Matrix[], slot: number): Promise<(Matrix | null)[]> {
    const ort = loadOrt();
    const { rows: d, cols: r, layout, type, members } = stack;
    const N = members.length;
    const X = this.stackValues(stack, factors, slot);
    const x = new ort.Tensor(type === 'double' ? 'float64' : 'float32', X, layout === 'tall' ? [N, d, r] : [N, r, d]);
    // L is R₁⁻¹ for a tall stack (row-major: the transpose of our column-major data) and R₁⁻ᵀ for a
    // wide one (row-major R₁⁻ᵀ is exactly our column-major R₁⁻¹).
    const L = new Float64Array(N * r * r);
    inverses.forEach(({ data: inverse }, k) => {
      const block = L.subarray(k * r * r, (k + 1) * r * r);
      if (layout === 'wide') block.set(inverse);
      else for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) block[i * r + j] = inverse[j * r + i];
    });
    const G2 = (await this.sessions.run(projectedGramGraph(type, layout), { X: x, L: new ort.Tensor('float64', L, [N, r, r]) })).G.data as Float64Array;
    return splitSquares(G2, N, r).map(cholesky);
  }
}

function pooled<T extends Float32Array | Float64Array>(pool: T[], slot: number, length: number, make: (n: number) => T): T {
  if (!pool[slot] || pool[slot].length < length) pool[slot] = make(length);
  return pool[slot].subarray(0, length) as T;
}

/** Groups factor indices by layout, shape and precision, in first-seen order. */
function stacks(factors: readonly TallFactor[]): Stack[] {
  const byKey = new Map<string, Stack>();
  factors.forEach((f, index) => {
    const type: ElemType = f.values instanceof Float32Array ? 'float' : 'double';
    const key = `${f.layout} ${f.rows} ${f.cols} ${type}`;
    let stack = byKey.get(key);
    if (!stack) byKey.set(key, (stack = { layout: f.layout, rows: f.rows, cols: f.cols, type, members: [] }));
    stack.members.push(index);
  });
  return [...byKey.values()];
}

/** N row-major r×r blocks as column-major matrices (symmetric Grams: the same either way). */
function splitSquares(data: Float64Array, N: number, r: number): Matrix[] {
  return Array.from({ length: N }, (_, k) => ({ rows: r, cols: r, data: data.slice(k * r * r, (k + 1) * r * r) }));
}
