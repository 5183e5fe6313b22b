import { encodeModel } from '../../../compute/onnx/onnxModel';
import { PREDICTOR_INPUT } from '../onnxExport';
import { appendDense, type GraphPart } from './denseOnnx';
import type { MlpModel } from './mlp';

/**
 * An MLP as a self-contained float64 ONNX model with the linear models' input: raw features
 * [N, width] → [Add(1) → Log, for log1p] → Sub(mean) → Div(scale) → the dense layers and head
 * (appendDense). Outputs `value` [N, 1] or `probabilities` [N, labels].
 */
export function encodeMlpModel(model: MlpModel, name: string): Uint8Array {
  const p = model.standardizer.mean.length;
  const part: GraphPart = {
    nodes: [],
    initializers: [
      { name: 'mean', type: 'double', dims: [p], values: model.standardizer.mean },
      { name: 'scale', type: 'double', dims: [p], values: model.standardizer.scale },
    ],
  };
  let input = PREDICTOR_INPUT;
  if (model.transform === 'log1p') {
    part.initializers.push({ name: 'one', type: 'double', dims: [1], values: Float64Array.of(1) });
    part.nodes.push({ op: 'Add', inputs: [PREDICTOR_INPUT, 'one'], outputs: ['shifted'] }, { op: 'Log', inputs: ['shifted'], outputs: ['logged'] });
    input = 'logged';
  }
  part.nodes.push({ op: 'Sub', inputs: [input, 'mean'], outputs: ['centred'] }, { op: 'Div', inputs: ['centred', 'scale'], outputs: ['z'] });
  const output = appendDense(part, model.net, model.params, model.head, 'z', 'N');
  return encodeModel({ name, nodes: part.nodes, inputs: [{ name: PREDICTOR_INPUT, type: 'double', shape: ['N', p] }], outputs: [output], initializers: part.initializers });
}
