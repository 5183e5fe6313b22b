import { encodeModel, type ValueInfo } from '../../../compute/onnx/onnxModel';
import { factorInputNames } from '../factorsInput';
import { appendDense, type GraphPart } from './denseOnnx';
import { glnetOffsets, moduleWeights, type GlNetModel } from './glnet';
import { scaledFirstLayer, TRACE_EPSILON } from './glnetLayer';

/**
 * A GL-net as one float64 ONNX graph for one adapter: inputs U_i [m_i, r_i] and V_i [n_i, r_i]
 * per module (r_i symbolic, so one model serves every rank), the equivariant stack of
 * glnetLayer.ts in the same operation order (first MatMul with W_U¹/c stored as computed there; per
 * further layer the gate
 * as Sign/Add/Mul with row sums X·(Yᵀ·1), never X·Yᵀ, then MatMul; P_l = X_l·Y_lᵀ is the only h×h
 * product formed, after every layer), the traces with ReduceSum over r×r products, Concat into [1, F],
 * standardization, and the dense head (appendDense). Weights (W_U¹ with 1/c folded in) are initializers.
 */
export function encodeGlNetModel(model: GlNetModel, name: string): Uint8Array {
  const { widths } = model.shape;
  const offsets = glnetOffsets(model.shape);
  const width = model.shape.head.sizes[0];
  const part: GraphPart = {
    nodes: [],
    initializers: [
      { name: 'one', type: 'double', dims: [1], values: Float64Array.of(1) },
      { name: 'half', type: 'double', dims: [1], values: Float64Array.of(0.5) },
      { name: 'eps', type: 'double', dims: [1], values: Float64Array.of(TRACE_EPSILON) },
      { name: 'mean', type: 'double', dims: [width], values: model.standardizer.mean },
      { name: 'scale', type: 'double', dims: [width], values: model.standardizer.scale },
      ...[...new Set(widths)].flatMap((h) => [
        { name: `ones${h}`, type: 'double' as const, dims: [h, 1], values: new Float64Array(h).fill(1) },
        { name: `rowShape${h}`, type: 'int64' as const, dims: [2], values: [1, h * h] },
      ]),
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
    const p = `m${i}_`;
    const w = moduleWeights(offsets.modules[i], model.params);
    offsets.modules[i].forEach((o, l) =>
      part.initializers.push(
        { name: `${p}WU${l}`, type: 'double', dims: [o.rows, o.colsU], values: l === 0 ? scaledFirstLayer(w.WU[0], 1 / model.scales[i]) : w.WU[l].slice() },
        { name: `${p}WV${l}`, type: 'double', dims: [o.rows, o.colsV], values: w.WV[l].slice() },
      ),
    );
    let X = node('MatMul', [`${p}WU0`, io.U], `${p}X0`);
    let Y = node('MatMul', [`${p}WV0`, io.V], `${p}Y0`);
    const gated = (x: string, y: string, h: number, tag: string) => {
      const sums = node('MatMul', [transpose(y, `${tag}_yt`), `ones${h}`], `${tag}_sums`);
      const s = node('MatMul', [x, sums], `${tag}_s`);
      const g = node('Mul', [node('Add', [node('Sign', [s], `${tag}_sign`), 'one'], `${tag}_shift`), 'half'], `${tag}_g`);
      return node('Mul', [x, g], `${tag}_gated`);
    };
    const bilinear = (x: string, y: string, l: number) => {
      const P = node('MatMul', [x, transpose(y, `${p}Yt${l}`)], `${p}P${l}`);
      pieces.push(node('Reshape', [P, `rowShape${widths[l]}`], `${p}Prow${l}`));
    };
    bilinear(X, Y, 0);
    for (let l = 1; l < widths.length; l++) {
      const Xg = gated(X, Y, widths[l - 1], `${p}x${l}`);
      const Yg = gated(Y, X, widths[l - 1], `${p}y${l}`);
      X = node('MatMul', [`${p}WU${l}`, Xg], `${p}X${l}`);
      Y = node('MatMul', [`${p}WV${l}`, Yg], `${p}Y${l}`);
      bilinear(X, Y, l);
    }
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
