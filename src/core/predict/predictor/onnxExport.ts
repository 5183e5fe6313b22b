import { ELEM_TYPE, type Dim, type OnnxNode, type ValueInfo } from '../../compute/onnx/onnxModel';
import { ProtoWriter } from '../../compute/onnx/protobuf';
import type { LinearModel } from './model';

/** The exported graph's input: raw (unstandardized) features, [N, width], float64. */
export const PREDICTOR_INPUT = 'features';
/** Ridge's output [N, 1]. */
export const VALUE_OUTPUT = 'value';
/** Logistic's output [N, labels]: probabilities that sum to 1 per row. */
export const PROBABILITIES_OUTPUT = 'probabilities';

/** A float64 constant baked into the model: row-major values and their dims. */
interface Initializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly values: Float64Array;
}

/** Same IR/opset as the kernels' models (onnxModel.ts): every onnxruntime from 1.14 reads them. */
const IR_VERSION = 8;
const OPSET = 17;

/**
 * A linear model as a self-contained ONNX model, all float64 (the features are float64 sums of
 * σ's, and float32 would cost the 1e-6 agreement with the TypeScript model on wide inputs):
 * [Add(1) → Log, for log1p] → Sub(mean) → Div(scale) → MatMul(W) → Add(b), then for logistic Sigmoid → MatMul(ones c×c)
 * (each row's sum in every column) → Div, the one-vs-rest normalization. The batch dimension is
 * symbolic. Weights are initializers, which the kernels' encoder (onnxModel.ts) does not write
 * (its graphs take every tensor as an input), hence this encoder; it reuses the same ProtoWriter.
 */
export function encodePredictorModel(model: LinearModel, name: string): Uint8Array {
  const p = model.standardizer.mean.length;
  const c = model.outputs;
  const init: Initializer[] = [
    { name: 'mean', dims: [p], values: model.standardizer.mean },
    { name: 'scale', dims: [p], values: model.standardizer.scale },
    { name: 'W', dims: [p, c], values: model.weights },
    { name: 'b', dims: [c], values: model.bias },
  ];
  const nodes: OnnxNode[] = [];
  let input = PREDICTOR_INPUT;
  if (model.transform === 'log1p') {
    init.push({ name: 'one', dims: [1], values: Float64Array.of(1) });
    nodes.push({ op: 'Add', inputs: [PREDICTOR_INPUT, 'one'], outputs: ['shifted'] }, { op: 'Log', inputs: ['shifted'], outputs: ['logged'] });
    input = 'logged';
  }
  nodes.push(
    { op: 'Sub', inputs: [input, 'mean'], outputs: ['centred'] },
    { op: 'Div', inputs: ['centred', 'scale'], outputs: ['z'] },
    { op: 'MatMul', inputs: ['z', 'W'], outputs: ['zW'] },
  );
  let output: ValueInfo;
  if (model.kind === 'ridge') {
    nodes.push({ op: 'Add', inputs: ['zW', 'b'], outputs: [VALUE_OUTPUT] });
    output = { name: VALUE_OUTPUT, type: 'double', shape: ['N', 1] };
  } else {
    init.push({ name: 'ones', dims: [c, c], values: new Float64Array(c * c).fill(1) });
    nodes.push(
      { op: 'Add', inputs: ['zW', 'b'], outputs: ['logits'] },
      { op: 'Sigmoid', inputs: ['logits'], outputs: ['q'] },
      { op: 'MatMul', inputs: ['q', 'ones'], outputs: ['rowSums'] },
      { op: 'Div', inputs: ['q', 'rowSums'], outputs: [PROBABILITIES_OUTPUT] },
    );
    output = { name: PROBABILITIES_OUTPUT, type: 'double', shape: ['N', c] };
  }
  const graph = new ProtoWriter();
  nodes.forEach((n, i) => graph.bytes(1, encodeNode(n, `${n.op.toLowerCase()}_${i}`)));
  graph.string(2, name);
  for (const t of init) graph.bytes(5, encodeInitializer(t));
  graph.bytes(11, encodeValueInfo({ name: PREDICTOR_INPUT, type: 'double', shape: ['N', p] }));
  graph.bytes(12, encodeValueInfo(output));
  const opset = new ProtoWriter().string(1, '').int(2, OPSET).finish();
  return new ProtoWriter().int(1, IR_VERSION).string(2, 'lora-lens').bytes(7, graph.finish()).bytes(8, opset).finish();
}

/** TensorProto: dims (1), data_type (2), name (8), raw_data (9, little-endian). */
function encodeInitializer(t: Initializer): Uint8Array {
  const raw = new Uint8Array(t.values.length * 8);
  const view = new DataView(raw.buffer);
  t.values.forEach((v, i) => view.setFloat64(i * 8, v, true));
  return new ProtoWriter().packedInts(1, t.dims).int(2, ELEM_TYPE.double).string(8, t.name).bytes(9, raw).finish();
}

function encodeNode(node: OnnxNode, name: string): Uint8Array {
  const w = new ProtoWriter();
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  return w.string(3, name).string(4, node.op).finish();
}

function encodeValueInfo(v: ValueInfo): Uint8Array {
  const shape = new ProtoWriter();
  for (const d of v.shape as readonly Dim[]) shape.bytes(1, (typeof d === 'number' ? new ProtoWriter().tagInt(1, d) : new ProtoWriter().string(2, d)).finish());
  const tensorType = new ProtoWriter().int(1, ELEM_TYPE[v.type]).bytes(2, shape.finish()).finish();
  return new ProtoWriter().string(1, v.name).bytes(2, new ProtoWriter().bytes(1, tensorType).finish()).finish();
}
