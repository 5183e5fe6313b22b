import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { MAX_BUFFERS_PER_MESSAGE } from '../../../src/host/editor/layerChunks';
import { crossLayerChunks } from '../../../src/host/subspace/crossLayerChunks';
import type { CrossLayerGroupPayload, CrossLayerPayload } from '../../../src/protocol/subspacePayloads';
import { Rng } from '../../helpers/random';

/** Typed arrays in a message, counted by walking it (depth is that of the payload types, a few levels). */
function typedArraysIn(value: unknown): number {
  if (ArrayBuffer.isView(value)) return 1;
  if (typeof value !== 'object' || value === null) return 0;
  let n = 0;
  for (const v of Object.values(value)) n += typedArraysIn(v);
  return n;
}

function randomGroup(rng: Rng, i: number): CrossLayerGroupPayload {
  const l = rng.int(2, 6);
  const matrix = () => ({ rows: l, cols: l, values: Float64Array.from({ length: l * l }, () => rng.next()) });
  return {
    moduleType: `type${i}`,
    rows: 8,
    cols: 8,
    layers: Array.from({ length: l }, (_, j) => `layers.${j}.type${i}`),
    k: 2,
    column: matrix(),
    row: matrix(),
    cosine: matrix(),
    randomColumn: 0.25,
    randomRow: 0.25,
  };
}

test('a cross-layer result is cut into messages under the buffer limit, groups in order and none lost', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 40; trial++) {
    // Up to 300 groups (900 typed arrays): past the 255 VS Code passes in one message.
    const count = trial === 0 ? 300 : rng.int(0, 300);
    const groups = Array.from({ length: count }, (_, i) => randomGroup(rng, i));
    const payload: CrossLayerPayload = { adapter: { file: '/a/adapter_model.safetensors', label: 'a' }, groups, skipped: [{ name: 'x', reason: 'y' }], seconds: 1.5 };
    const max = rng.next() < 0.5 ? MAX_BUFFERS_PER_MESSAGE : rng.int(3, 60);
    const { first, rest } = crossLayerChunks(payload, max);
    const where = `seed ${rng.seed}, trial ${trial}: ${count} groups, ${max} buffers a message`;
    for (const message of [first, ...rest.map((g) => ({ groups: g }))]) assert.ok(typedArraysIn(message) <= max, where);
    assert.ok(
      rest.every((g) => g.length > 0),
      where,
    );
    const all = [...first.groups, ...rest.flat()];
    assert.equal(all.length, count, where);
    all.forEach((g, i) => assert.equal(g, groups[i], `${where}: group ${i}`));
    assert.deepEqual(first.skipped, payload.skipped);
    assert.equal(first.seconds, payload.seconds);
    assert.equal(first.adapter, payload.adapter);
  }
});

test('a 224-module adapter (7 module types of 32 layers) fits one message', () => {
  const rng = Rng.fresh();
  const groups = Array.from({ length: 7 }, (_, i) => randomGroup(rng, i));
  const { first, rest } = crossLayerChunks({ adapter: { file: 'a', label: 'a' }, groups, skipped: [], seconds: 0 });
  assert.equal(first.groups.length, 7);
  assert.equal(rest.length, 0);
  assert.equal(typedArraysIn(first), 21);
});
