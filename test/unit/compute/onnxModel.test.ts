import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { onnx } from 'onnx-proto';
import { gramGraph, productGraph, projectedGramGraph, transposedProductGraph } from '../../../src/core/compute/onnx/graphs';
import { encodeModel } from '../../../src/core/compute/onnx/onnxModel';
import { ProtoWriter } from '../../../src/core/compute/onnx/protobuf';

/** The hand-written encoder, read back by an independent protobuf implementation (onnx-proto). */

test('every kernel graph decodes as the model it was built from', () => {
  for (const graph of [gramGraph('float', 'tall'), gramGraph('double', 'wide'), projectedGramGraph('float16', 'wide'), productGraph('float'), transposedProductGraph('double')]) {
    const model = onnx.ModelProto.decode(encodeModel(graph));
    assert.equal(Number(model.irVersion), 8, graph.name);
    assert.equal(Number(model.opsetImport[0].version), 17);
    assert.equal(model.opsetImport[0].domain, '');
    assert.equal(model.producerName, 'lora-lens');
    const g = model.graph;
    assert.ok(g);
    assert.equal(g.name, graph.name);
    const nodes = g.node ?? [];
    assert.deepEqual(
      nodes.map((n) => n.opType),
      graph.nodes.map((n) => n.op),
    );
    assert.deepEqual(
      nodes.map((n) => [n.input, n.output]),
      graph.nodes.map((n) => [n.inputs, n.outputs]),
    );
    for (const [io, want] of [
      [g.input ?? [], graph.inputs],
      [g.output ?? [], graph.outputs],
    ] as const) {
      assert.deepEqual(
        io.map((v) => [v.name, v.type?.tensorType?.elemType, v.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue))]),
        want.map((v) => [v.name, { float: 1, float16: 10, double: 11, int64: 7 }[v.type], [...v.shape]]),
      );
    }
    for (const [i, node] of graph.nodes.entries()) {
      for (const a of node.attributes ?? []) {
        const got: onnx.IAttributeProto | undefined = (nodes[i].attribute ?? []).find((x) => x.name === a.name);
        assert.ok(got, a.name);
        if ('ints' in a) assert.deepEqual((got.ints ?? []).map(Number), [...a.ints]);
        if ('int' in a) assert.equal(Number(got.i), a.int);
      }
    }
  }
});

test('varints of every size and always-written zero dims round-trip', () => {
  for (const value of [0, 1, 127, 128, 300, 16383, 16384, 2 ** 31, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER]) {
    const bytes = new ProtoWriter().tagInt(1, value).finish();
    const dim = onnx.TensorShapeProto.Dimension.decode(bytes);
    assert.equal(BigInt(dim.dimValue.toString()), BigInt(value), String(value));
  }
  assert.throws(() => new ProtoWriter().tagInt(1, -1), RangeError);
  const model = onnx.ModelProto.decode(
    encodeModel({
      name: 'fixed',
      nodes: [{ op: 'Identity', inputs: ['X'], outputs: ['Y'] }],
      inputs: [{ name: 'X', type: 'float', shape: [0, 300000] }],
      outputs: [{ name: 'Y', type: 'float', shape: [0, 300000] }],
    }),
  );
  const dims = (model.graph?.input ?? [])[0]?.type?.tensorType?.shape?.dim ?? [];
  assert.deepEqual(
    dims.map((d) => [(d as onnx.TensorShapeProto.Dimension).value, Number(d.dimValue)]),
    [
      ['dimValue', 0],
      ['dimValue', 300000],
    ],
  );
});
