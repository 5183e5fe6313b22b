import { ProtoWriter } from './protobuf';

/**
 * ONNX models as plain data, encoded to ModelProto bytes (field numbers from onnx.proto). Only
 * what the kernels and the exported predictors need: typed tensor inputs and outputs with fixed
 * or symbolic dimensions, nodes with int, ints and float attributes, and constant initializers
 * (float64 or int64; the kernels' graphs have none and take every tensor as an input).
 */

/** TensorProto.DataType values. */
const ELEM_TYPE = { float: 1, int64: 7, float16: 10, double: 11 } as const;
export type ElemType = keyof typeof ELEM_TYPE;

/** A fixed size, or a symbolic name: one session then serves every size. */
export type Dim = number | string;

export interface ValueInfo {
  readonly name: string;
  readonly type: ElemType;
  readonly shape: readonly Dim[];
}

export type Attribute =
  { readonly name: string; readonly int: number } | { readonly name: string; readonly ints: readonly number[] } | { readonly name: string; readonly float: number };

export interface OnnxNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: readonly Attribute[];
}

/** A constant baked into the model: row-major values and their dims (float64 or int64). */
export type Initializer =
  | { readonly name: string; readonly type: 'double'; readonly dims: readonly number[]; readonly values: Float64Array }
  | { readonly name: string; readonly type: 'int64'; readonly dims: readonly number[]; readonly values: readonly number[] };

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly initializers?: readonly Initializer[];
}

/** IR version 8 with opset 17: understood by every onnxruntime from 1.14 on. */
const IR_VERSION = 8;
const OPSET = 17;

/** AttributeProto.AttributeType values. */
const ATTRIBUTE_TYPE = { float: 1, int: 2, ints: 7 } as const;

export function encodeModel(graph: OnnxGraph): Uint8Array {
  const opset = new ProtoWriter().string(1, '').int(2, OPSET).finish();
  return new ProtoWriter().int(1, IR_VERSION).string(2, 'lora-lens').bytes(7, encodeGraph(graph)).bytes(8, opset).finish();
}

function encodeGraph(graph: OnnxGraph): Uint8Array {
  const w = new ProtoWriter();
  graph.nodes.forEach((node, i) => w.bytes(1, encodeNode(node, `${graph.name}_${i}`)));
  w.string(2, graph.name);
  for (const init of graph.initializers ?? []) w.bytes(5, encodeInitializer(init));
  for (const input of graph.inputs) w.bytes(11, encodeValueInfo(input));
  for (const output of graph.outputs) w.bytes(12, encodeValueInfo(output));
  return w.finish();
}

function encodeNode(node: OnnxNode, name: string): Uint8Array {
  const w = new ProtoWriter();
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, name).string(4, node.op);
  for (const attribute of node.attributes ?? []) w.bytes(5, encodeAttribute(attribute));
  return w.finish();
}

function encodeAttribute(a: Attribute): Uint8Array {
  const w = new ProtoWriter().string(1, a.name);
  if ('int' in a) {
    w.tagInt(3, a.int);
    return w.int(20, ATTRIBUTE_TYPE.int).finish();
  }
  if ('ints' in a) return w.packedInts(8, a.ints).int(20, ATTRIBUTE_TYPE.ints).finish();
  return w.float(2, a.float).int(20, ATTRIBUTE_TYPE.float).finish();
}

/** TensorProto: dims (1), data_type (2), name (8), raw_data (9, little-endian). */
function encodeInitializer(t: Initializer): Uint8Array {
  const raw = new Uint8Array(t.values.length * 8);
  const view = new DataView(raw.buffer);
  if (t.type === 'double') t.values.forEach((v, i) => view.setFloat64(i * 8, v, true));
  else t.values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return new ProtoWriter().packedInts(1, t.dims).int(2, ELEM_TYPE[t.type]).string(8, t.name).bytes(9, raw).finish();
}

function encodeValueInfo(v: ValueInfo): Uint8Array {
  const shape = new ProtoWriter();
  for (const d of v.shape) {
    const dim = typeof d === 'number' ? new ProtoWriter().tagInt(1, d) : new ProtoWriter().string(2, d);
    shape.bytes(1, dim.finish());
  }
  const tensorType = new ProtoWriter().int(1, ELEM_TYPE[v.type]).bytes(2, shape.finish()).finish();
  const type = new ProtoWriter().bytes(1, tensorType).finish();
  return new ProtoWriter().string(1, v.name).bytes(2, type).finish();
}
