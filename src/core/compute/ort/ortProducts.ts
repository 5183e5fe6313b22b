import { throwIfCancelled, type CancellationToken } from '../../cancellation';
import type { ElemType } from '../onnx/onnxModel';
import { leftProductGraph, productGraph } from '../onnx/graphs';
import type { MappedFactor, TallProduct } from '../backend';
import { tallProductJs } from '../tallProducts';
import { loadOrt, type OrtSessions } from './runtime';

/** Products of equal factor shape, layout, precision and map width, stacked into one ORT run. */
interface Stack {
  readonly layout: 'tall' | 'wide';
  readonly rows: number;
  readonly cols: number;
  readonly width: number;
  readonly type: ElemType;
  readonly members: number[];
}

/** Below this many factor elements a product is not worth a device run: plain loops are faster. */
const SMALL_FACTOR = 4096;

/**
 * D·T on onnxruntime for tall factors D (d×r) and small maps T (r×k), in float64 with D cast
 * inside the graph (its stored float32 values are exact). The result keeps D's layout, so no
 * tall matrix is transposed on either side: a tall stack [N, d, r] runs X·T → [N, d, k]; a wide
 * stack [N, r, d] (Dᵀ) runs Tᵀ·X → [N, k, d], which is (D·T)ᵀ. Only the r×k maps are
 * rearranged on the host.
 */
export class OrtProducts {
  private pool32 = new Float32Array(0);
  private pool64 = new Float64Array(0);

  constructor(private readonly sessions: OrtSessions) {}

  async run(products: readonly TallProduct[], token?: CancellationToken): Promise<MappedFactor[]> {
    const out: MappedFactor[] = new Array(products.length);
    for (const stack of stacks(products)) {
      throwIfCancelled(token);
      if (stack.rows * stack.cols < SMALL_FACTOR || stack.width === 0) {
        for (const index of stack.members) out[index] = tallProductJs(products[index]);
        continue;
      }
      const results = await this.stacked(stack, products);
      stack.members.forEach((index, k) => (out[index] = results[k]));
    }
    return out;
  }

  private async stacked(stack: Stack, products: readonly TallProduct[]): Promise<MappedFactor[]> {
    const ort = loadOrt();
    const { rows: d, cols: r, width: k, layout, type, members } = stack;
    const N = members.length;
    const size = d * r;
    let X: Float32Array | Float64Array;
    if (N === 1) X = products[members[0]].factor.values;
    else {
      X =
        type === 'double' ? (this.pool64 = grownTo(this.pool64, N * size, (n) => new Float64Array(n))) : (this.pool32 = grownTo(this.pool32, N * size, (n) => new Float32Array(n)));
      X = X.subarray(0, N * size);
      members.forEach((index, m) => X.set(products[index].factor.values, m * size));
    }
    // A column-major r×k map read row-major is Tᵀ (k×r): what a wide stack multiplies by; a tall
    // stack needs T itself row-major.
    const maps = new Float64Array(N * r * k);
    members.forEach((index, m) => {
      const T = products[index].map.data;
      const block = maps.subarray(m * r * k, (m + 1) * r * k);
      if (layout === 'wide') block.set(T);
      else for (let i = 0; i < r; i++) for (let j = 0; j < k; j++) block[i * k + j] = T[j * r + i];
    });
    const x = new ort.Tensor(type === 'double' ? 'float64' : 'float32', X, layout === 'tall' ? [N, d, r] : [N, r, d]);
    const C =
      layout === 'tall'
        ? (await this.sessions.run(productGraph(type), { A: x, B: new ort.Tensor('float64', maps, [N, r, k]) })).C.data
        : (await this.sessions.run(leftProductGraph(type), { L: new ort.Tensor('float64', maps, [N, k, r]), X: x })).C.data;
    const data = C as Float64Array;
    // Views of the one output buffer, not copies: the products are the pass's largest arrays.
    return members.map((_, m) => ({ rows: d, cols: k, layout, values: data.subarray(m * d * k, (m + 1) * d * k) }));
  }
}

function grownTo<T extends Float32Array | Float64Array>(pool: T, length: number, make: (n: number) => T): T {
  return pool.length >= length ? pool : make(length);
}

/** Groups products by factor layout, shape, precision and map width, in first-seen order. */
function stacks(products: readonly TallProduct[]): Stack[] {
  const byKey = new Map<string, Stack>();
  products.forEach(({ factor: f, map }, index) => {
    if (f.cols !== map.rows) throw new RangeError(`cannot multiply ${f.rows}×${f.cols} by ${map.rows}×${map.cols}`);
    const type: ElemType = f.values instanceof Float32Array ? 'float' : 'double';
    const key = `${f.layout} ${f.rows} ${f.cols} ${map.cols} ${type}`;
    let stack = byKey.get(key);
    if (!stack) byKey.set(key, (stack = { layout: f.layout, rows: f.rows, cols: f.cols, width: map.cols, type, members: [] }));
    stack.members.push(index);
  });
  return [...byKey.values()];
}
