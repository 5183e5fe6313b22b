import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { LayerAnalysis } from '../../../src/protocol/payloads';
import { COLUMNS, columnOf } from '../../../webview/model/columns';
import { matchesFilter, navigate, nextSort, visibleRows } from '../../../webview/model/layerTable';
import { analysed, layerRow, skipped } from './fakeLayers';

const layers = [
  layerRow(0, { name: 'model.layers.0.self_attn.q_proj', moduleType: 'self_attn.q_proj' }),
  layerRow(1, { name: 'model.layers.0.self_attn.v_proj', moduleType: 'self_attn.v_proj', block: 'model.layers.0', depth: 0 }),
  layerRow(2, { name: 'model.layers.11.self_attn.q_proj', block: 'model.layers.11', depth: 11, rows: 128 }),
  layerRow(3, { name: 'model.layers.11.mlp.down_proj', moduleType: 'mlp.down_proj', family: 'mlp', block: 'model.layers.11', depth: 11 }),
];

test('the filter needs every term, in any of name, type, kind or block, case-insensitively', () => {
  assert.deepEqual(
    layers.filter((l) => matchesFilter(l, 'Q_PROJ 11')).map((l) => l.index),
    [2],
  );
  assert.deepEqual(
    layers.filter((l) => matchesFilter(l, 'mlp')).map((l) => l.index),
    [3],
  );
  assert.equal(layers.filter((l) => matchesFilter(l, '   ')).length, 4);
  assert.equal(layers.filter((l) => matchesFilter(l, 'k_proj')).length, 0);
});

test('sorting by a metric puts layers without results last in both directions, ties in module order', () => {
  const results = new Map<number, LayerAnalysis>([
    [0, analysed(0, [3, 1])],
    [2, analysed(2, [5, 1])],
    [3, skipped(3)],
  ]);
  assert.deepEqual(
    visibleRows(layers, results, '', { key: 'sigma1', descending: true }).map((r) => r.index),
    [2, 0, 1, 3],
  );
  assert.deepEqual(
    visibleRows(layers, results, '', { key: 'sigma1', descending: false }).map((r) => r.index),
    [0, 2, 1, 3],
  );
  // Equal ranks: module order decides.
  assert.deepEqual(
    visibleRows(layers, results, '', { key: 'rank', descending: true }).map((r) => r.index),
    [0, 1, 2, 3],
  );
  assert.deepEqual(
    visibleRows(layers, results, '', { key: 'shape', descending: true }).map((r) => r.index),
    [2, 0, 1, 3],
  );
});

test('names sort naturally, so layer 11 follows layer 2', () => {
  const rows = [layerRow(0, { name: 'layers.11.q' }), layerRow(1, { name: 'layers.2.q' }), layerRow(2, { name: 'layers.10.q' })];
  assert.deepEqual(
    visibleRows(rows, new Map(), '', { key: 'module', descending: false }).map((r) => r.name),
    ['layers.2.q', 'layers.10.q', 'layers.11.q'],
  );
});

test('a new column sorts numbers descending and text ascending; the same column flips', () => {
  assert.deepEqual(nextSort(null, 'sigma1'), { key: 'sigma1', descending: true });
  assert.deepEqual(nextSort(null, 'module'), { key: 'module', descending: false });
  assert.deepEqual(nextSort({ key: 'module', descending: false }, 'module'), { key: 'module', descending: true });
  assert.deepEqual(nextSort({ key: 'module', descending: true }, 'r95'), { key: 'r95', descending: true });
});

test('cells show a dash while pending, "skipped" for skipped modules, and metrics once known', () => {
  const result = analysed(0, [4, 3]);
  const row = layers[0];
  assert.equal(columnOf('sigma1').text(row, undefined), '—');
  assert.equal(columnOf('sigma1').text(row, skipped(0)), 'skipped');
  assert.equal(columnOf('sigma1').text(row, result), '4');
  // p = (16/25, 9/25): effective rank exp(H) = 1.9396…, shown with 4 significant digits.
  const p = [16 / 25, 9 / 25];
  const eff = Math.exp(-(p[0] * Math.log(p[0]) + p[1] * Math.log(p[1])));
  assert.equal(columnOf('effectiveRank').text(row, result), eff.toPrecision(4));
  assert.equal(columnOf('shape').text(row, undefined), '64×64');
  assert.equal(columnOf('utilization').text(row, result), `${((eff / 2) * 100).toFixed(1)}%`);
  assert.equal(COLUMNS.length, 13);
});

test('navigation moves within the visible rows and clamps at the ends', () => {
  const visible = [7, 3, 9, 1];
  assert.equal(navigate(visible, null, 'ArrowDown'), 7);
  assert.equal(navigate(visible, null, 'ArrowUp'), 1);
  assert.equal(navigate(visible, 7, 'ArrowDown'), 3);
  assert.equal(navigate(visible, 3, 'ArrowUp'), 7);
  assert.equal(navigate(visible, 7, 'ArrowUp'), 7);
  assert.equal(navigate(visible, 1, 'ArrowDown'), 1);
  assert.equal(navigate(visible, 3, 'End'), 1);
  assert.equal(navigate(visible, 9, 'Home'), 7);
  assert.equal(navigate(visible, 7, 'PageDown', 2), 9);
  assert.equal(navigate(visible, 42, 'ArrowDown'), 7, 'a filtered-out selection restarts at the top');
  assert.equal(navigate([], 3, 'ArrowDown'), null);
});
