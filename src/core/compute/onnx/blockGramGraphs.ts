import { toDouble, type StackLayout } from './graphs';
import type { ElemType, Initializer, OnnxGraph, OnnxNode } from './onnxModel';

/**
 * The symmetric Gram G = TᵀT of one tall factor T (d×r) as ONNX graphs that compute only its
 * upper block triangle. ORT's MatMul cannot use the symmetry, so T's r columns are cut into
 * blocks and only the products of block i with block j ≥ i run, each a 2-D Gemm (whose transB
 * needs no transposed copy, unlike a batched MatMul): with b blocks, b(b+1)/2 of the b² block
 * products, 62.5 % of the full product's arithmetic at b = 4. The lower blocks are mirrored on
 * the host. Every product accumulates in float64 after a Cast inside the graph.
 */

/** Column block sizes of an r-column factor: blocks of `width` columns, at most `most` of them. */
export function columnBlocks(r: number, width: number, most: number): number[] {
  const count = Math.max(1, Math.min(most, Math.ceil(r / width)));
  const size = Math.ceil(r / count);
  const out: number[] = [];
  for (let start = 0; start < r; start += size) out.push(Math.min(size, r - start));
  return out;
}

/** The block products' outputs, `G${i}_${j}` [sizes[i], sizes[j]] for j ≥ i. */
function blockProducts(operand: (i: number) => string, sizes: readonly number[]): { nodes: OnnxNode[]; outputs: OnnxGraph['outputs'] } {
  const nodes: OnnxNode[] = [];
  const outputs: { name: string; type: 'double'; shape: number[] }[] = [];
  for (let i = 0; i < sizes.length; i++)
    for (let j = i; j < sizes.length; j++) {
      nodes.push({ op: 'Gemm', inputs: [operand(i), operand(j)], outputs: [`G${i}_${j}`], attributes: [{ name: 'transB', int: 1 }] });
      outputs.push({ name: `G${i}_${j}`, type: 'double', shape: [sizes[i], sizes[j]] });
    }
  return { nodes, outputs };
}

/**
 * For a factor stored as Tᵀ (`wide`, r×d row-major): block i is rows of the stored array, so each
 * arrives as its own input `X${i}` [sizes[i], d], a view with no copy; each is cast once.
 */
function wideGraph(type: ElemType, sizes: readonly number[]): OnnxGraph {
  const casts = sizes.map((_, i) => toDouble(`X${i}`, type));
  const products = blockProducts((i) => casts[i].name, sizes);
  return {
    name: `block_gram_${type}_wide_${sizes.join('_')}`,
    nodes: [...casts.flatMap((c) => c.nodes), ...products.nodes],
    inputs: sizes.map((c, i) => ({ name: `X${i}`, type, shape: [c, 'd'] })),
    outputs: products.outputs,
  };
}

/**
 * For a factor stored as T (`tall`, d×r row-major): a run of h rows is contiguous, so the host
 * feeds row chunks (each small enough to stay in cache through the transpose, casts and
 * products) and sums their Grams. Within a chunk: one transpose in the stored precision (half
 * the bytes of a double one), then each block's rows sliced and cast.
 */
function tallGraph(type: ElemType, sizes: readonly number[]): OnnxGraph {
  const r = sizes.reduce((a, b) => a + b, 0);
  const nodes: OnnxNode[] = [{ op: 'Transpose', inputs: ['X'], outputs: ['Xt'], attributes: [{ name: 'perm', ints: [1, 0] }] }];
  const initializers: Initializer[] = [{ name: 'axis', type: 'int64', dims: [1], values: [0] }];
  const names: string[] = [];
  let start = 0;
  sizes.forEach((c, i) => {
    if (sizes.length === 1) {
      const cast = toDouble('Xt', type);
      nodes.push(...cast.nodes);
      names.push(cast.name);
      return;
    }
    initializers.push({ name: `start${i}`, type: 'int64', dims: [1], values: [start] }, { name: `end${i}`, type: 'int64', dims: [1], values: [start + c] });
    nodes.push({ op: 'Slice', inputs: ['Xt', `start${i}`, `end${i}`, 'axis'], outputs: [`B${i}`] });
    const cast = toDouble(`B${i}`, type);
    nodes.push(...cast.nodes);
    names.push(cast.name);
    start += c;
  });
  const products = blockProducts((i) => names[i], sizes);
  return {
    name: `block_gram_${type}_tall_${sizes.join('_')}`,
    nodes: [...nodes, ...products.nodes],
    inputs: [{ name: 'X', type, shape: ['h', r] }],
    outputs: products.outputs,
    ...(sizes.length > 1 ? { initializers } : {}),
  };
}

/** The upper-block-triangle Gram graph of one factor (or one row chunk of a tall one). */
export function blockGramGraph(type: ElemType, layout: StackLayout, sizes: readonly number[]): OnnxGraph {
  return layout === 'wide' ? wideGraph(type, sizes) : tallGraph(type, sizes);
}

/**
 * Adds the block products of one run into G (r×r, row-major, both triangles: symmetric, so it is
 * the same read column-major). Output `G${i}_${j}` is row-major [sizes[i], sizes[j]].
 */
export function addBlocks(G: Float64Array, r: number, sizes: readonly number[], outputs: (name: string) => Float64Array): void {
  const offsets: number[] = [];
  sizes.reduce((at, c) => (offsets.push(at), at + c), 0);
  for (let i = 0; i < sizes.length; i++)
    for (let j = i; j < sizes.length; j++) {
      const block = outputs(`G${i}_${j}`);
      const [ci, cj, oi, oj] = [sizes[i], sizes[j], offsets[i], offsets[j]];
      for (let a = 0; a < ci; a++)
        for (let b = 0; b < cj; b++) {
          const v = block[a * cj + b];
          G[(oi + a) * r + oj + b] += v;
          // The mirrored block; a diagonal block is symmetric itself and written once.
          if (i !== j) G[(oj + b) * r + oi + a] += v;
        }
    }
}
