import { encodeModel, type Initializer, type OnnxNode, type ValueInfo } from '../../compute/onnx/onnxModel';
import type { LinearModel } from './model';
import { standardizeNodes } from './standardizeOnnx';

/** The exported graph's input: raw (unstandardized) features, [N, width], float64. */
export const PREDICTOR_INPUT = 'features';
/** Ridge's output [N, 1]. */
export const VALUE_OUTPUT = 'value';
/** Logistic's output [N, labels]: probabilities that sum to 1 per row. */
export const PROBABILITIES_OUTPUT = 'probabilities';

/**
 * A linear model as a self-contained ONNX model, all float64 (the features are float64 sums of
 * σ's, and float32 would cost the 1e-6 agreement with the TypeScript model on wide inputs):
 * [Add(1) → Log, for log1p] → Sub(mean) → Div(scale) → Max(lower) → Min(upper) (standardizeNodes) → MatMul(W) → Add(b), then for logistic Sigmoid → MatMul(ones c×c)
 * (each row's sum in every column) → Div, the one-vs-rest normalization. The batch dimension is
 * symbolic. Weights are initializers; the encoder is the kernels' (onnxModel.ts).
 */
export function encodePredictorModel(model: LinearModel, name: string): Uint8Array {
  const p = model.standardizer.mean.length;
  const c = model.outputs;
  const init: Initializer[] = [
    { name: 'W', type: 'double', dims: [p, c], values: model.weights },
    { name: 'b', type: 'double', dims: [c], values: model.bias },
  ];
  const nodes: OnnxNode[] = [];
  let input = PREDICTOR_INPUT;
  if (model.transform === 'log1p') {
    init.push({ name: 'one', type: 'double', dims: [1], values: Float64Array.of(1) });
    nodes.push({ op: 'Add', inputs: [PREDICTOR_INPUT, 'one'], outputs: ['shifted'] }, { op: 'Log', inputs: ['shifted'], outputs: ['logged'] });
    input = 'logged';
  }
  const standardizing = standardizeNodes(model.standardizer, input, 'z');
  init.push(...standardizing.initializers);
  nodes.push(...standardizing.nodes, { op: 'MatMul', inputs: ['z', 'W'], outputs: ['zW'] });
  let output: ValueInfo;
  if (model.kind === 'ridge') {
    nodes.push({ op: 'Add', inputs: ['zW', 'b'], outputs: [VALUE_OUTPUT] });
    output = { name: VALUE_OUTPUT, type: 'double', shape: ['N', 1] };
  } else {
    init.push({ name: 'ones', type: 'double', dims: [c, c], values: new Float64Array(c * c).fill(1) });
    nodes.push(
      { op: 'Add', inputs: ['zW', 'b'], outputs: ['logits'] },
      { op: 'Sigmoid', inputs: ['logits'], outputs: ['q'] },
      { op: 'MatMul', inputs: ['q', 'ones'], outputs: ['rowSums'] },
      { op: 'Div', inputs: ['q', 'rowSums'], outputs: [PROBABILITIES_OUTPUT] },
    );
    output = { name: PROBABILITIES_OUTPUT, type: 'double', shape: ['N', c] };
  }
  return encodeModel({ name, nodes, inputs: [{ name: PREDICTOR_INPUT, type: 'double', shape: ['N', p] }], outputs: [output], initializers: init });
}
