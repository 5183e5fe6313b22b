import type { ElemType, OnnxGraph, OnnxNode } from './onnxModel';

/**
 * The kernels, as ONNX graphs with symbolic dimensions so one session serves every shape.
 * ONNX has no QR, Cholesky or SVD: graphs do the large products, and the small r×r
 * factorizations stay in float64 TypeScript. Inputs arrive in the stored precision (F16 or F32;
 * BF16 is widened to F32 in JS, which is exact, since ORT has no BF16 MatMul) and are cast to
 * double inside the graph, so every product accumulates in float64.
 */

/** Casts `input` to double unless it already is; returns the nodes and the double tensor's name. */
export function toDouble(input: string, type: ElemType): { nodes: OnnxNode[]; name: string } {
  if (type === 'double') return { nodes: [], name: input };
  return { nodes: [{ op: 'Cast', inputs: [input], outputs: [`${input}_f64`], attributes: [{ name: 'to', int: 11 }] }], name: `${input}_f64` };
}

/**
 * How a stack of tall factors T (d×r) is stored: `tall` as T itself, [N, d, r]; `wide` as Tᵀ,
 * [N, r, d] (each column of T contiguous). The Gram TᵀT is X·Xᵀ for a wide stack.
 */
export type StackLayout = 'tall' | 'wide';

/** The r×r Gram of each stacked factor: XᵀX (tall) or X·Xᵀ (wide), over the last two axes. */
function gramNodes(x: string, layout: StackLayout, out: string): OnnxNode[] {
  const t = { op: 'Transpose', inputs: [x], outputs: [`${x}_t`], attributes: [{ name: 'perm', ints: [0, 2, 1] }] };
  return [t, { op: 'MatMul', inputs: layout === 'tall' ? [`${x}_t`, x] : [x, `${x}_t`], outputs: [out] }];
}

const stackShape = (layout: StackLayout): string[] => (layout === 'tall' ? ['N', 'd', 'r'] : ['N', 'r', 'd']);

/**
 * Batched Gram matrices G[k] = T[k]ᵀ·T[k] in float64. Zero rows of T change no Gram, so factors
 * of different heights can share a stack when padded with zeros.
 */
export function gramGraph(type: ElemType, layout: StackLayout): OnnxGraph {
  const x = toDouble('X', type);
  return {
    name: `gram_${type}_${layout}`,
    nodes: [...x.nodes, ...gramNodes(x.name, layout, 'G')],
    inputs: [{ name: 'X', type, shape: stackShape(layout) }],
    outputs: [{ name: 'G', type: 'double', shape: ['N', 'r', 'r'] }],
  };
}

/**
 * The second CholeskyQR pass: the Gram of Q = T·R⁻¹, in float64, without returning Q. The
 * multiplier L is R⁻¹ for a tall stack (Q = X·L) and R⁻ᵀ for a wide one (Qᵀ = L·X), so Q's
 * rows or columns stay as contiguous as the factor's.
 */
export function projectedGramGraph(type: ElemType, layout: StackLayout): OnnxGraph {
  const x = toDouble('X', type);
  return {
    name: `projected_gram_${type}_${layout}`,
    nodes: [...x.nodes, { op: 'MatMul', inputs: layout === 'tall' ? [x.name, 'L'] : ['L', x.name], outputs: ['Q'] }, ...gramNodes('Q', layout, 'G')],
    inputs: [
      { name: 'X', type, shape: stackShape(layout) },
      { name: 'L', type: 'double', shape: ['N', 'r', 'r'] },
    ],
    outputs: [{ name: 'G', type: 'double', shape: ['N', 'r', 'r'] }],
  };
}

/** Batched products C[k] = A[k]·B[k] in float64: A [N, p, q], B [N, q, s]. */
export function productGraph(type: ElemType): OnnxGraph {
  const a = toDouble('A', type);
  return {
    name: `product_${type}`,
    nodes: [...a.nodes, { op: 'MatMul', inputs: [a.name, 'B'], outputs: ['C'] }],
    inputs: [
      { name: 'A', type, shape: ['N', 'p', 'q'] },
      { name: 'B', type: 'double', shape: ['N', 'q', 's'] },
    ],
    outputs: [{ name: 'C', type: 'double', shape: ['N', 'p', 's'] }],
  };
}

/** Batched products C[k] = L[k]·X[k] in float64 with the large operand on the right: L [N, p, q] (double), X [N, q, s]. */
export function leftProductGraph(type: ElemType): OnnxGraph {
  const x = toDouble('X', type);
  return {
    name: `left_product_${type}`,
    nodes: [...x.nodes, { op: 'MatMul', inputs: ['L', x.name], outputs: ['C'] }],
    inputs: [
      { name: 'L', type: 'double', shape: ['N', 'p', 'q'] },
      { name: 'X', type, shape: ['N', 'q', 's'] },
    ],
    outputs: [{ name: 'C', type: 'double', shape: ['N', 'p', 's'] }],
  };
}

/** Batched products Cᵀ-style: C[k] = A[k]ᵀ·B[k] in float64, A [N, p, q], B [N, p, s]. */
export function transposedProductGraph(type: ElemType): OnnxGraph {
  const a = toDouble('A', type);
  return {
    name: `transposed_product_${type}`,
    nodes: [
      ...a.nodes,
      { op: 'Transpose', inputs: [a.name], outputs: ['At'], attributes: [{ name: 'perm', ints: [0, 2, 1] }] },
      { op: 'MatMul', inputs: ['At', 'B'], outputs: ['C'] },
    ],
    inputs: [
      { name: 'A', type, shape: ['N', 'p', 'q'] },
      { name: 'B', type: 'double', shape: ['N', 'p', 's'] },
    ],
    outputs: [{ name: 'C', type: 'double', shape: ['N', 'q', 's'] }],
  };
}
