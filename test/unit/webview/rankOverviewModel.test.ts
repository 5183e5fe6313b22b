import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { LayerAnalysis, LayerRow } from '../../../src/protocol/payloads';
import type { RankPlanPayload } from '../../../src/protocol/resizePayloads';
import {
  blockKey,
  cellAtPoint,
  groupRows,
  MAX_OVERVIEW_CELLS,
  metricValues,
  overviewGrid,
  overviewLayout,
  overviewSize,
  scalePosition,
  valueDomain,
} from '../../../webview/model/rankOverviewModel';
import { Rng } from '../../helpers/random';
import { analysed, layerRow, skipped } from './fakeLayers';

const TYPES: readonly (readonly [string, LayerRow['family']])[] = [
  ['self_attn.q_proj', 'attention'],
  ['self_attn.k_proj', 'attention'],
  ['mlp.down_proj', 'mlp'],
  ['lm_head', 'other'],
  ['lora_unet_down_blocks_0_attentions_1_transformer_blocks_0_attn1_to_q', 'attention'],
];

/** Random layers: some blocks lack some types, some types repeat in a block, some modules sit in no block. */
function randomLayers(rng: Rng): LayerRow[] {
  const blocks = rng.int(1, 90);
  const layers: LayerRow[] = [];
  for (let b = 0; b < blocks; b++) {
    for (const [type, family] of TYPES) {
      const copies = rng.next() < 0.2 ? 0 : rng.next() < 0.1 ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        const none = rng.next() < 0.03;
        layers.push(
          layerRow(layers.length, { block: none ? null : `model.layers.${b}`, depth: none ? null : b, moduleType: type, family, name: `model.layers.${b}.${type}.${c}` }),
        );
      }
    }
  }
  // The file's order is not the network's.
  for (let i = layers.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [layers[i], layers[j]] = [layers[j], layers[i]];
  }
  return layers;
}

test('every module has exactly one cell, in its block’s column and a row of its type; columns follow depth', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 60; trial++) {
    const layers = randomLayers(rng);
    const grid = overviewGrid(layers);
    const where = `trial ${trial} ${rng.tag}`;
    assert.equal(grid.cells.length, grid.rows.length * grid.columns.length, where);
    const seen = new Set<number>();
    grid.cells.forEach((index, at) => {
      if (index < 0) return;
      assert.ok(!seen.has(index), `module ${index} twice: ${where}`);
      seen.add(index);
      const row = layers.find((l) => l.index === index);
      assert.ok(row, where);
      assert.equal(grid.columns[at % grid.columns.length], blockKey(row), where);
      assert.equal(grid.rows[Math.floor(at / grid.columns.length)].moduleType, row.moduleType, where);
    });
    assert.equal(seen.size, layers.length, where);
    const depths = grid.columns.map((key) => layers.find((l) => blockKey(l) === key)?.depth ?? Number.POSITIVE_INFINITY);
    for (let c = 1; c < depths.length; c++) assert.ok(depths[c] >= depths[c - 1], where);
  }
});

test('the layout fits the width it is given, keeps tick labels apart, and finds each cell at its centre', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 60; trial++) {
    const layers = randomLayers(rng);
    const grid = overviewGrid(layers);
    const width = rng.int(400, 1600);
    const layout = overviewLayout(grid, width);
    const where = `trial ${trial}: ${grid.columns.length} columns in ${width} px ${rng.tag}`;
    assert.ok(layout.width <= width + 1, `${layout.width} > ${width}: ${where}`);
    for (const ticks of [layout.xTicks, layout.yTicks]) for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i].position - ticks[i - 1].position >= 13 - 1e-9, where);
    for (let k = 0; k < 20; k++) {
      const row = rng.int(0, grid.rows.length - 1);
      const col = rng.int(0, grid.columns.length - 1);
      const x = layout.left + (col + rng.uniform(0.01, 0.99)) * layout.cellWidth;
      const y = layout.top + (row + rng.uniform(0.01, 0.99)) * layout.cellHeight;
      assert.deepEqual(cellAtPoint(grid, layout, x, y), { row, col }, where);
    }
    assert.equal(cellAtPoint(grid, layout, layout.left - 1, layout.top + 1), null, where);
    assert.equal(cellAtPoint(grid, layout, layout.left + 1, layout.top + grid.rows.length * layout.cellHeight + 1), null, where);
  }
});

test('metric values are the analysis’ own, or the plan’s for kept rank and error; modules without one have none', () => {
  const rng = Rng.fresh();
  const layers = Array.from({ length: 12 }, (_, i) => layerRow(i));
  const results = new Map<number, LayerAnalysis>();
  for (let i = 0; i < 10; i++) {
    const sigma = Array.from({ length: 8 }, () => Math.exp(rng.uniform(-6, 2))).sort((a, b) => b - a);
    results.set(i, i === 3 ? skipped(i) : analysed(i, sigma, 8));
  }
  const effective = metricValues(layers, results, null, 'effective');
  const frobenius = metricValues(layers, results, null, 'frobenius');
  for (const row of layers) {
    const result = results.get(row.index);
    if (result?.status !== 'ok') {
      assert.equal(effective.has(row.index), false, `${row.index} ${rng.tag}`);
      continue;
    }
    assert.equal(effective.get(row.index), result.metrics.effectiveRank);
    let total = 0;
    for (const s of result.singularValues) total += s * s;
    assert.ok(Math.abs((frobenius.get(row.index) ?? 0) / Math.sqrt(total) - 1) < 1e-12, rng.tag);
  }
  assert.equal(metricValues(layers, results, null, 'kept').size, 0, 'no plan, no kept rank');
  const plan: RankPlanPayload = {
    description: 'test',
    indices: Int32Array.from([0, 5]),
    rank: Int32Array.from([8, 8]),
    kept: Int32Array.from([3, 6]),
    relativeError: Float64Array.from([0.25, 0.01]),
    overallRelativeError: 0.1,
    paramsBefore: 1,
    paramsAfter: 1,
    missing: 0,
  };
  assert.deepEqual(
    [...metricValues(layers, results, plan, 'kept')],
    [
      [0, 3],
      [5, 6],
    ],
  );
  assert.deepEqual(
    [...metricValues(layers, results, plan, 'error')],
    [
      [0, 0.25],
      [5, 0.01],
    ],
  );
});

test('the colour scale spans the values; a single value still has a span; groups hold their modules', () => {
  const domain = valueDomain(
    new Map([
      [0, 2],
      [1, 5],
      [2, 3.5],
    ]),
  );
  assert.deepEqual(domain, [2, 5]);
  assert.equal(scalePosition(3.5, [2, 5]), 0.5);
  assert.equal(scalePosition(9, [2, 5]), 1);
  assert.deepEqual(valueDomain(new Map([[0, 4]])), [0, 4]);
  assert.equal(valueDomain(new Map()), null);
  const layers = [layerRow(0, { block: 'a', moduleType: 'q' }), layerRow(1, { block: 'a', moduleType: 'k' }), layerRow(2, { block: null, moduleType: 'q' })];
  assert.deepEqual(
    groupRows(layers, { kind: 'moduleType', key: 'q' }).map((r) => r.index),
    [0, 2],
  );
  assert.deepEqual(
    groupRows(layers, { kind: 'block', key: '(no block)' }).map((r) => r.index),
    [2],
  );
});

test('a map whose types × layers exceed the cap is not built: its size is reported and the grid refuses', () => {
  // Names that make every module its own block and its own type: n modules ask for n² cells.
  const rng = Rng.fresh();
  const n = rng.int(Math.ceil(Math.sqrt(MAX_OVERVIEW_CELLS)) + 1, 3000);
  const layers = Array.from({ length: n }, (_, i) => layerRow(i, { block: `layers.${i}`, depth: i, moduleType: `t${i}`, name: `layers.${i}.t${i}` }));
  const size = overviewSize(layers);
  assert.deepEqual([size.rows, size.columns, size.cells], [n, n, n * n], rng.tag);
  assert.ok(size.cells > MAX_OVERVIEW_CELLS, rng.tag);
  assert.throws(() => overviewGrid(layers), RangeError, rng.tag);
  // One block fewer than the cap allows still gets its map.
  const small = layers.slice(0, Math.floor(Math.sqrt(MAX_OVERVIEW_CELLS)));
  assert.equal(overviewGrid(small).cells.length, small.length * small.length, rng.tag);
});
