import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { Rng } from '../../helpers/random';
import { layerTicks } from '../../../webview/model/layerTicks';

test('layer ticks sit at cell centres, stay the spacing apart, and label the first and last layer', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 200; trial++) {
    const count = trial < 20 ? rng.int(1, 4) : rng.int(1, 120);
    const cell = rng.int(6, 40);
    const spacing = rng.int(10, 30);
    const names = Array.from({ length: count }, (_, i) => `model.layers.${i}.mlp.down_proj`);
    const ticks = layerTicks(names, cell, spacing);
    const where = `seed ${rng.seed}, trial ${trial}: ${count} layers of ${cell} px, spacing ${spacing}`;
    assert.equal(ticks[0].index, 0, where);
    assert.equal(ticks[ticks.length - 1].index, count - 1, where);
    for (let i = 0; i < ticks.length; i++) {
      const t = ticks[i];
      assert.equal(t.text, String(t.index), where);
      assert.ok(Math.abs(t.offset - (t.index + 0.5) * cell) < 1e-9, where);
      if (i > 0 && ticks.length > 2) assert.ok(t.offset - ticks[i - 1].offset >= spacing - 1e-9, `${where}: ${ticks.map((x) => x.index).join(',')}`);
    }
    // Not thinner than needed: the stride is the smallest that keeps the spacing (the last tick aside).
    if (ticks.length > 2) assert.equal(ticks[1].index - ticks[0].index, Math.max(1, Math.ceil(spacing / cell)), where);
  }
  assert.deepEqual(layerTicks([], 10), []);
  assert.deepEqual(
    layerTicks(['down_blocks.1.attn', 'mid_block.attn'], 30).map((t) => t.text),
    ['1', 'mid_block.attn'],
  );
});
