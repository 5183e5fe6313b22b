import { encodeModel } from '../../../compute/onnx/onnxModel';
import { PREDICTOR_INPUT } from '../onnxExport';
import { standardizeNodes } from '../standardizeOnnx';
import { appendDense, type GraphPart } from './denseOnnx';
import type { MlpModel } from './mlp';

/**
 * An MLP as a self-contained float64 ONNX model with the linear models' input: raw features
 * [N, width] → [Add(1) → Log, for log1p] → Sub(mean) → Div(scale) → Max(lower) → Min(upper)
 * (standardizeNodes) → the dense layers and head (appendDense). Outputs `value` [N, 1] or
 * `probabilities` [N, labels].
 */
export function encodeMlpModel(model: MlpModel, name: string): Uint8Array {
  const p = model.standardizer.mean.length;
  const part: GraphPart = { nodes: [], initializers: [] };
  let input = PREDICTOR_INPUT;
  if (model.transform === 'log1p') {
    part.initializers.push({ name: 'one', type: 'double', dims: [1], values: Float64Array.of(1) });
    part.nodes.push({ op: 'Add', inputs: [PREDICTOR_INPUT, 'one'], outputs: ['shifted'] }, { op: 'Log', inputs: ['shifted'], outputs: ['logged'] });
    input = 'logged';
  }
  const standardizing = standardizeNodes(model.standardizer, input, 'z');
  part.nodes.push(...standardizing.nodes);
  part.initializers.push(...standardizing.initializers);
  const output = appendDense(part, model.net, model.params, model.head, 'z', 'N');
  return encodeModel({ name, nodes: part.nodes, inputs: [{ name: PREDICTOR_INPUT, type: 'double', shape: ['N', p] }], outputs: [output], initializers: part.initializers });
}
