import type { Initializer, OnnxNode, ValueInfo } from '../../../compute/onnx/onnxModel';
import { PROBABILITIES_OUTPUT, VALUE_OUTPUT } from '../onnxExport';
import { denseOffsets, type DenseShape } from './denseNet';
import type { OutputHead } from './loss';

/** Nodes and constants of a piece of graph, and the name of its result. */
export interface GraphPart {
  readonly nodes: OnnxNode[];
  readonly initializers: Initializer[];
}

/**
 * A dense network and its head as ONNX nodes appended to `part`, reading `input` ([rows, in]):
 * per layer MatMul(W) → Add(b) → Tanh or Relu (not after the last), then the head. Regression
 * folds the target's scale and mean into the last layer (W·scale, b·scale + mean), so the
 * output `value` is in the target's unit; classification ends in Softmax over the last axis
 * (`probabilities`). Returns the graph output.
 */
export function appendDense(part: GraphPart, shape: DenseShape, params: Float64Array, head: OutputHead, input: string, rows: number | string): ValueInfo {
  const offsets = denseOffsets(shape);
  let current = input;
  offsets.forEach((o, l) => {
    const last = l === offsets.length - 1;
    let W = params.slice(o.w, o.w + o.fanIn * o.fanOut);
    let b = params.slice(o.b, o.b + o.fanOut);
    if (last && head.kind === 'regression') {
      W = W.map((v) => v * head.scale);
      b = b.map((v) => v * head.scale + head.mean);
    }
    part.initializers.push({ name: `dense${l}_W`, type: 'double', dims: [o.fanIn, o.fanOut], values: W }, { name: `dense${l}_b`, type: 'double', dims: [o.fanOut], values: b });
    const out = last ? (head.kind === 'regression' ? VALUE_OUTPUT : 'logits') : `dense${l}_a`;
    part.nodes.push(
      { op: 'MatMul', inputs: [current, `dense${l}_W`], outputs: [`dense${l}_xw`] },
      { op: 'Add', inputs: [`dense${l}_xw`, `dense${l}_b`], outputs: [last ? out : `dense${l}_t`] },
    );
    if (!last) part.nodes.push({ op: shape.activation === 'tanh' ? 'Tanh' : 'Relu', inputs: [`dense${l}_t`], outputs: [out] });
    current = out;
  });
  if (head.kind === 'regression') return { name: VALUE_OUTPUT, type: 'double', shape: [rows, 1] };
  part.nodes.push({ op: 'Softmax', inputs: ['logits'], outputs: [PROBABILITIES_OUTPUT] });
  return { name: PROBABILITIES_OUTPUT, type: 'double', shape: [rows, head.count] };
}
