import type { OnnxGraph } from './onnxModel';

/**
 * The dense products of randomized subspace iteration in float32 end to end, for devices with
 * no float64 (WebGPU). Only work whose error bound is a-posteriori may use them: the randomized
 * SVD of base weights reports an a-posteriori bound, which randomizedSvd widens by the products'
 * float32 rounding (a relative 2⁻²⁴·√n per entry of a product, probabilistically). The float64 graphs in
 * graphs.ts stay the route of every exact spectrum.
 */

/** Batched C[k] = A[k]·B[k] in float32: A [N, p, q], B [N, q, s]. */
export function float32ProductGraph(): OnnxGraph {
  return {
    name: 'product_f32',
    nodes: [{ op: 'MatMul', inputs: ['A', 'B'], outputs: ['C'] }],
    inputs: [
      { name: 'A', type: 'float', shape: ['N', 'p', 'q'] },
      { name: 'B', type: 'float', shape: ['N', 'q', 's'] },
    ],
    outputs: [{ name: 'C', type: 'float', shape: ['N', 'p', 's'] }],
  };
}

/** Batched C[k] = A[k]ᵀ·B[k] in float32: A [N, p, q], B [N, p, s]. */
export function float32TransposedProductGraph(): OnnxGraph {
  return {
    name: 'transposed_product_f32',
    nodes: [
      { op: 'Transpose', inputs: ['A'], outputs: ['At'], attributes: [{ name: 'perm', ints: [0, 2, 1] }] },
      { op: 'MatMul', inputs: ['At', 'B'], outputs: ['C'] },
    ],
    inputs: [
      { name: 'A', type: 'float', shape: ['N', 'p', 'q'] },
      { name: 'B', type: 'float', shape: ['N', 'p', 's'] },
    ],
    outputs: [{ name: 'C', type: 'float', shape: ['N', 'q', 's'] }],
  };
}

/** The probe's graph: one fixed 2×2 float32 MatMul, the smallest work that needs an adapter. */
export function probeGraph(): OnnxGraph {
  return {
    name: 'webgpu_probe',
    nodes: [{ op: 'MatMul', inputs: ['A', 'B'], outputs: ['C'] }],
    inputs: [
      { name: 'A', type: 'float', shape: [2, 2] },
      { name: 'B', type: 'float', shape: [2, 2] },
    ],
    outputs: [{ name: 'C', type: 'float', shape: [2, 2] }],
  };
}
