import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { LayerAnalysis } from '../../../src/protocol/payloads';
import { groupLayers } from '../../../webview/model/layerOrder';
import { rankChartModel } from '../../../webview/model/rankChartModel';
import { analysed, layerRow } from './fakeLayers';

const layers = [
  layerRow(0, { block: 'layers.1', depth: 1, moduleType: 'mlp.fc', family: 'mlp' }),
  layerRow(1, { block: 'layers.0', depth: 0, moduleType: 'attn.q', family: 'attention' }),
  layerRow(2, { block: 'layers.1', depth: 1, moduleType: 'attn.q', family: 'attention' }),
  layerRow(3, { block: null, depth: null, moduleType: 'lm_head', family: 'other', rank: 16 }),
  layerRow(4, { block: 'layers.0', depth: 0, moduleType: 'mlp.fc', family: 'mlp' }),
];

test('grouping by block follows depth, attention before MLP, and puts block-less layers last', () => {
  const groups = groupLayers(layers, 'block');
  assert.deepEqual(
    groups.map((g) => [g.key, g.rows.map((r) => r.index)]),
    [
      ['layers.0', [1, 4]],
      ['layers.1', [2, 0]],
      ['(no block)', [3]],
    ],
  );
});

test('grouping by module type runs each type through depth', () => {
  const groups = groupLayers(layers, 'moduleType');
  assert.deepEqual(
    groups.map((g) => [g.key, g.rows.map((r) => r.index)]),
    [
      ['attn.q', [1, 2]],
      ['mlp.fc', [4, 0]],
      ['lm_head', [3]],
    ],
  );
});

test('bar heights are the values on a linear axis from zero, bars of one layer sit side by side', () => {
  const results = new Map<number, LayerAnalysis>([
    [1, analysed(1, [5, 4, 3, 2, 1, 0.5, 0.25, 0.1], 8)],
    [2, analysed(2, [1, 1e-3], 8)],
  ]);
  const model = rankChartModel(layers, results, { grouping: 'block', slot: 20, groupGap: 10, height: 300, minWidth: 100 });
  const [y0, y1] = model.y.range();
  const [d0, d1] = model.y.domain();
  assert.equal(d0, 0);
  assert.ok(d1 >= 16, 'the axis reaches the largest configured rank');
  const pixelsPerUnit = (y0 - y1) / (d1 - d0);
  for (const bar of model.bars) {
    assert.ok(Math.abs(bar.height - bar.value * pixelsPerUnit) < 1e-9, `bar ${bar.index}/${bar.series}`);
    assert.ok(Math.abs(bar.y + bar.height - model.plot.bottom) < 1e-9);
  }
  // Layers 1 and 2 have all three bars; the others only their configured rank.
  const count = (i: number) => model.bars.filter((b) => b.index === i).length;
  assert.deepEqual([0, 1, 2, 3, 4].map(count), [1, 3, 3, 1, 1]);
  const r1 = results.get(1);
  const effective = model.bars.find((b) => b.index === 1 && b.series === 'effective');
  assert.ok(r1?.status === 'ok' && effective);
  assert.equal(effective.value, r1.metrics.effectiveRank);
  const ofOne = model.bars.filter((b) => b.index === 1).sort((a, b) => a.x - b.x);
  assert.deepEqual(
    ofOne.map((b) => b.series),
    ['rank', 'effective', 'r95'],
  );
  assert.ok(ofOne[1].x >= ofOne[0].x + ofOne[0].width - 1e-9, 'bars do not overlap');
  // Slots: 5 layers × 20 px plus two gaps between three groups.
  assert.equal(model.groups.length, 3);
  assert.equal(model.groups[2].x1 - model.groups[0].x0, 5 * 20 + 2 * 10);
  assert.deepEqual(model.order, [1, 4, 2, 0, 3]);
});
