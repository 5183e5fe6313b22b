import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { cellAt, divergingColor, heatmapModel, parseColor, valueAt } from '../../../webview/model/heatmapModel';
import { mixerStats } from '../../../webview/model/mixerStats';

// A 2×3 matrix [[1, 2, 3], [4, 5, -6]] stored column-major.
const matrix = { rows: 2, cols: 3, values: new Float64Array([1, 4, 2, 5, 3, -6]) };

test('column-major storage is read as (row, col) and painted row-major, normalized by max |value|', () => {
  assert.equal(valueAt(matrix, 0, 2), 3);
  assert.equal(valueAt(matrix, 1, 2), -6);
  assert.equal(valueAt(matrix, 1, 0), 4);
  const model = heatmapModel(matrix, 300);
  assert.equal(model.maxAbs, 6);
  assert.deepEqual(
    [...model.normalized].map((v) => Math.round(v * 6)),
    [1, 2, 3, 4, 5, -6],
  );
  assert.equal(model.cell, 40, 'cells are capped so a tiny matrix is not a few giant blocks');
  assert.equal(model.width, 120);
  assert.equal(model.height, 80);
});

test('hit-testing maps pixels to cells, with edges belonging to the next cell and outside to null', () => {
  const model = heatmapModel(matrix, 300);
  assert.deepEqual(cellAt(model, 0, 0), { row: 0, col: 0, value: 1 });
  assert.deepEqual(cellAt(model, 39.9, 39.9), { row: 0, col: 0, value: 1 });
  assert.deepEqual(cellAt(model, 40, 0), { row: 0, col: 1, value: 2 });
  assert.deepEqual(cellAt(model, 119, 79), { row: 1, col: 2, value: -6 });
  assert.equal(cellAt(model, 120, 10), null);
  assert.equal(cellAt(model, 10, 80), null);
  assert.equal(cellAt(model, -1, 10), null);
  assert.equal(cellAt(model, Number.NaN, 10), null);
});

test('a large matrix gets small cells but never below the minimum', () => {
  const n = 256;
  const big = heatmapModel({ rows: n, cols: n, values: new Float64Array(n * n) }, 320);
  assert.equal(big.cell, 6);
  assert.equal(big.maxAbs, 0);
  assert.ok(big.normalized.every((v) => v === 0));
});

test('the diverging map runs negative → background → positive', () => {
  const neg = { r: 0, g: 0, b: 255 };
  const zero = { r: 255, g: 255, b: 255 };
  const pos = { r: 255, g: 0, b: 0 };
  assert.deepEqual(divergingColor(-1, neg, zero, pos), neg);
  assert.deepEqual(divergingColor(0, neg, zero, pos), zero);
  assert.deepEqual(divergingColor(1, neg, zero, pos), pos);
  assert.deepEqual(divergingColor(0.5, neg, zero, pos), { r: 255, g: 128, b: 128 });
  assert.deepEqual(divergingColor(-7, neg, zero, pos), neg, 'clamped');
  assert.deepEqual(divergingColor(Number.NaN, neg, zero, pos), zero);
});

test('colours come back from a canvas as hex or rgba and parse to RGB', () => {
  assert.deepEqual(parseColor('#1e1e1e'), { r: 30, g: 30, b: 30 });
  assert.deepEqual(parseColor('#fff'), { r: 255, g: 255, b: 255 });
  assert.deepEqual(parseColor('#ff000080'), { r: 255, g: 0, b: 0 });
  assert.deepEqual(parseColor('rgba(12, 34, 56, 0.5)'), { r: 12, g: 34, b: 56 });
  assert.deepEqual(parseColor('rgb(1 2 3)'), { r: 1, g: 2, b: 3 });
  // Chromium's form for a relative colour: channels 0–1, an optional alpha after the slash.
  assert.deepEqual(parseColor('color(srgb 0.917647 0.360784 0 / 0.5)'), { r: 234, g: 92, b: 0 });
  assert.deepEqual(parseColor('color(srgb 1 0.5 0.25)'), { r: 255, g: 128, b: 64 });
  assert.equal(parseColor('color(display-p3 1 0 0)'), null);
  assert.equal(parseColor('red'), null);
});

test('mixer stats: the Frobenius norm, and no distance from I (MoSLoRA does not start M at I)', () => {
  const m = { rows: 2, cols: 2, values: new Float64Array([1, 0, 3, 1]) };
  const stats = mixerStats(m);
  assert.ok(Math.abs(stats.frobenius - Math.sqrt(11)) < 1e-15);
  assert.deepEqual(Object.keys(stats), ['frobenius']);
});
