import type { OnnxGraph, OnnxNode } from './onnxModel';

/**
 * The graph of the group-overlap kernel (ort/ortGroupOverlaps.ts): one block of the Gram of a
 * whole group of tall factors side by side. A [Na, r, d] and B [Nb, r, d] are two runs of the
 * group's factors as float64 Tᵀ (the host widens and transposes them once, while stacking, so no
 * run repeats a cast or a transpose); with `projected`, each is first taken to Pᵀ = L·Tᵀ (the
 * second CholeskyQR pass; LA [Na, r, r], LB [Nb, r, r] hold R⁻ᵀ row-major). Flattened to
 * [N·r, d] (a view), the block is G = W_A·W_Bᵀ [Na·r, Nb·r] by one Gemm with transB, every
 * product in float64.
 */
export function groupGramGraph(projected: boolean): OnnxGraph {
  const nodes: OnnxNode[] = [];
  let [a, b] = ['A', 'B'];
  if (projected) {
    nodes.push({ op: 'MatMul', inputs: ['LA', 'A'], outputs: ['PA'] }, { op: 'MatMul', inputs: ['LB', 'B'], outputs: ['PB'] });
    [a, b] = ['PA', 'PB'];
  }
  nodes.push(
    { op: 'Flatten', inputs: [a], outputs: ['WA'], attributes: [{ name: 'axis', int: 2 }] },
    { op: 'Flatten', inputs: [b], outputs: ['WB'], attributes: [{ name: 'axis', int: 2 }] },
    { op: 'Gemm', inputs: ['WA', 'WB'], outputs: ['G'], attributes: [{ name: 'transB', int: 1 }] },
  );
  return {
    name: `group_gram${projected ? '_projected' : ''}`,
    nodes,
    inputs: [
      { name: 'A', type: 'double', shape: ['Na', 'r', 'd'] },
      { name: 'B', type: 'double', shape: ['Nb', 'r', 'd'] },
      ...(projected
        ? [
            { name: 'LA', type: 'double' as const, shape: ['Na', 'r', 'r'] },
            { name: 'LB', type: 'double' as const, shape: ['Nb', 'r', 'r'] },
          ]
        : []),
    ],
    outputs: [{ name: 'G', type: 'double', shape: ['Sa', 'Sb'] }],
  };
}
