import { encodeModel, type ValueInfo } from '../../../compute/onnx/onnxModel';
import { factorInputNames } from '../factorsInput';
import { appendDense, type GraphPart } from './denseOnnx';
import { glnetOffsets, type GlNetModel } from './glnet';
import { TRACE_EPSILON } from './glnetLayer';

/**
 * A GL-net as one float64 ONNX graph for one adapter: inputs U_i [m_i, r_i] and V_i [n_i, r_i]
 * per module (r_i symbolic, so one model serves every rank), the layer of glnetLayer.ts written
 * with MatMul/Transpose/Sign/Mul/Add (row sums as U₁·(V₁ᵀ·1), never U₁V₁ᵀ, whose only product
 * formed is the h×h P), the traces with ReduceSum over r×r products, Concat into [1, F],
 * standardization, and the dense head (appendDense). Weights are initializers.
 */
export function encodeGlNetModel(model: GlNetModel, name: string): Uint8Array {
  const { h } = model.shape;
  const offsets = glnetOffsets(model.shape);
  const width = model.shape.head.sizes[0];
  const part: GraphPart = {
    nodes: [],
    initializers: [
      { name: 'onesH', type: 'double', dims: [h, 1], values: new Float64Array(h).fill(1) },
      { name: 'one', type: 'double', dims: [1], values: Float64Array.of(1) },
      { name: 'half', type: 'double', dims: [1], values: Float64Array.of(0.5) },
      { name: 'eps', type: 'double', dims: [1], values: Float64Array.of(TRACE_EPSILON) },
      { name: 'rowShape', type: 'int64', dims: [2], values: [1, h * h] },
      { name: 'mean', type: 'double', dims: [width], values: model.standardizer.mean },
      { name: 'scale', type: 'double', dims: [width], values: model.standardizer.scale },
    ],
  };
  const node = (op: string, inputs: readonly string[], output: string, attributes?: { name: string; int: number }[] | { name: string; ints: number[] }[]) => {
    part.nodes.push(attributes ? { op, inputs, outputs: [output], attributes } : { op, inputs, outputs: [output] });
    return output;
  };
  const transpose = (x: string, out: string) => node('Transpose', [x], out, [{ name: 'perm', ints: [1, 0] }]);
  const inputs: ValueInfo[] = [];
  const pieces: string[] = [];
  model.shape.modules.forEach(([m, n], i) => {
    const io = factorInputNames(i);
    inputs.push({ name: io.U, type: 'double', shape: [m, `r${i}`] }, { name: io.V, type: 'double', shape: [n, `r${i}`] });
    const o = offsets.modules[i];
    const p = `m${i}_`;
    part.initializers.push(
      { name: `${p}WU`, type: 'double', dims: [h, m], values: model.params.slice(o.wu, o.wu + h * m) },
      { name: `${p}WV`, type: 'double', dims: [h, n], values: model.params.slice(o.wv, o.wv + h * n) },
    );
    const U1 = node('MatMul', [`${p}WU`, io.U], `${p}U1`);
    const V1 = node('MatMul', [`${p}WV`, io.V], `${p}V1`);
    const gated = (x: string, y: string, tag: string) => {
      const sums = node('MatMul', [transpose(y, `${p}${tag}_yt`), 'onesH'], `${p}${tag}_sums`);
      const s = node('MatMul', [x, sums], `${p}${tag}_s`);
      const g = node('Mul', [node('Add', [node('Sign', [s], `${p}${tag}_sign`), 'one'], `${p}${tag}_shift`), 'half'], `${p}${tag}_g`);
      return node('Mul', [x, g], `${p}${tag}_gated`);
    };
    const U2 = gated(U1, V1, 'u');
    const V2 = gated(V1, U1, 'v');
    const P = node('MatMul', [U2, transpose(V2, `${p}V2t`)], `${p}P`);
    const slog = node('Mul', [node('Sign', [P], `${p}Psign`), node('Log', [node('Add', [node('Abs', [P], `${p}Pabs`), 'one'], `${p}Pshift`)], `${p}Plog`)], `${p}slog`);
    pieces.push(node('Reshape', [slog, 'rowShape'], `${p}Prow`));
    const GU = node('MatMul', [transpose(io.U, `${p}Ut`), io.U], `${p}GU`);
    const GV = node('MatMul', [transpose(io.V, `${p}Vt`), io.V], `${p}GV`);
    const M = node('MatMul', [GU, GV], `${p}M`);
    const Mt = transpose(M, `${p}Mt`);
    const M2 = node('MatMul', [M, M], `${p}M2`);
    const t1 = node('ReduceSum', [node('Mul', [GU, GV], `${p}t1_prod`)], `${p}t1`);
    const t2 = node('ReduceSum', [node('Mul', [M, Mt], `${p}t2_prod`)], `${p}t2`);
    const t3 = node('ReduceSum', [node('Mul', [M2, Mt], `${p}t3_prod`)], `${p}t3`);
    const traces = node('Concat', [t1, t2, t3], `${p}traces`, [{ name: 'axis', int: 1 }]);
    pieces.push(node('Log', [node('Add', [traces, 'eps'], `${p}traces_eps`)], `${p}logTraces`));
  });
  const features = node('Concat', pieces, 'features', [{ name: 'axis', int: 1 }]);
  const z = node('Div', [node('Sub', [features, 'mean'], 'centred'), 'scale'], 'z');
  const output = appendDense(part, model.shape.head, model.params.subarray(offsets.head), model.outputHead, z, 1);
  return encodeModel({ name, nodes: part.nodes, inputs, outputs: [output], initializers: part.initializers });
}
