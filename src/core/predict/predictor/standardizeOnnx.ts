import type { Initializer, OnnxNode } from '../../compute/onnx/onnxModel';
import type { BoundedStandardizer } from './standardize';

/**
 * The ONNX nodes of `standardize`, reading `input` [N, p] and writing `output` [N, p], float64:
 * Sub(mean) → Div(scale) → Max(lower) → Min(upper), the bounds per column (broadcast over rows),
 * so the graph clamps exactly as the TypeScript model does. Initializer names: mean, scale,
 * zLower, zUpper.
 */
export function standardizeNodes(s: BoundedStandardizer, input: string, output: string): { readonly nodes: OnnxNode[]; readonly initializers: Initializer[] } {
  const p = s.mean.length;
  return {
    initializers: [
      { name: 'mean', type: 'double', dims: [p], values: s.mean },
      { name: 'scale', type: 'double', dims: [p], values: s.scale },
      { name: 'zLower', type: 'double', dims: [p], values: s.lower },
      { name: 'zUpper', type: 'double', dims: [p], values: s.upper },
    ],
    nodes: [
      { op: 'Sub', inputs: [input, 'mean'], outputs: ['centred'] },
      { op: 'Div', inputs: ['centred', 'scale'], outputs: ['unclamped'] },
      { op: 'Max', inputs: ['unclamped', 'zLower'], outputs: ['aboveLower'] },
      { op: 'Min', inputs: ['aboveLower', 'zUpper'], outputs: [output] },
    ],
  };
}
