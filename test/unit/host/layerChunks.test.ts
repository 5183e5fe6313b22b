import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { buffersOf, layerChunks, MAX_BUFFERS_PER_MESSAGE } from '../../../src/host/editor/layerChunks';
import type { LayerAnalysis } from '../../../src/protocol/payloads';
import { Rng } from '../../helpers/random';

/** A result with a random mix of the typed arrays a result can carry (σ; core; mixer with its σ), or a skipped one. */
function randomResult(rng: Rng, index: number): LayerAnalysis {
  if (rng.next() < 0.1) return { index, status: 'skipped', reason: 'test' };
  const r = rng.int(1, 9);
  const matrix = () => ({ rows: r, cols: r, values: new Float64Array(r * r) });
  const mixer = rng.next() < 0.3 ? { ...matrix(), singularValues: new Float64Array(r), init: {} } : null;
  return {
    index,
    status: 'ok',
    singularValues: new Float64Array(r),
    metrics: {} as never,
    core: rng.next() < 0.8 ? matrix() : null,
    mixer: mixer as never,
    warnings: [],
  };
}

/** The typed arrays JSON-with-buffers serialization would find in a message, counted independently of buffersOf. */
function typedArraysIn(value: unknown): number {
  if (ArrayBuffer.isView(value)) return 1;
  if (typeof value !== 'object' || value === null) return 0;
  let n = 0;
  for (const v of Object.values(value)) n += typedArraysIn(v);
  return n;
}

test('layer batches are cut so that no message carries more typed arrays than VS Code passes, in order and without gaps', () => {
  for (let trial = 0; trial < 50; trial++) {
    const rng = Rng.fresh();
    const results = Array.from({ length: rng.int(0, 700) }, (_, i) => randomResult(rng, i));
    const max = rng.next() < 0.5 ? MAX_BUFFERS_PER_MESSAGE : rng.int(4, 40);
    const chunks = layerChunks(results, max);
    assert.deepEqual(
      chunks.flat().map((r) => r.index),
      results.map((r) => r.index),
      `order or content changed ${rng.tag}`,
    );
    for (const [i, chunk] of chunks.entries()) {
      assert.ok(chunk.length > 0, `empty chunk ${rng.tag}`);
      const buffers = typedArraysIn(chunk);
      assert.equal(
        buffers,
        chunk.reduce((s, r) => s + buffersOf(r), 0),
        `buffersOf miscounts ${rng.tag}`,
      );
      assert.ok(buffers <= max, `chunk ${i} carries ${buffers} > ${max} typed arrays ${rng.tag}`);
      // Greedy: the next chunk's first result would not have fitted in this one.
      const next = chunks[i + 1]?.[0];
      if (next) assert.ok(buffers + buffersOf(next) > max, `chunk ${i} was cut early ${rng.tag}`);
    }
  }
});

test('a cached 224-module LoRA (σ and core per module) goes out in messages well under 255 buffers each', () => {
  const rng = Rng.fresh();
  const results = Array.from({ length: 224 }, (_, i) => ({
    ...randomResult(rng, i),
    status: 'ok' as const,
    singularValues: new Float64Array(16),
    core: { rows: 16, cols: 16, values: new Float64Array(256) },
    mixer: null,
    metrics: {} as never,
    warnings: [],
  }));
  const chunks = layerChunks(results);
  assert.ok(chunks.length >= 4, `${chunks.length} chunks ${rng.tag}`);
  for (const chunk of chunks) assert.ok(typedArraysIn(chunk) < 255, rng.tag);
});
