import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { ComparisonPayload, ConvergencePayload, ModulePlace } from '../../../src/protocol/subspacePayloads';
import { convergenceLines } from '../../../webview/model/convergenceModel';
import { depthSimilarity } from '../../../webview/model/depthModel';
import { cellAt, fixedScaleHeatmap } from '../../../webview/model/heatmapModel';
import { lineChartModel } from '../../../webview/model/lineChartModel';
import { moduleTypesOf } from '../../../webview/model/moduleTypes';
import { offDiagonalMax } from '../../../webview/model/offDiagonal';
import { unmatchedLines } from '../../../webview/model/unmatchedRows';

const place = (name: string, depth: number | null, moduleType: string): ModulePlace => ({
  name,
  block: depth === null ? null : `layers.${depth}`,
  depth,
  moduleType,
  rows: 4,
  cols: 4,
});
const MODULES = [place('layers.0.q', 0, 'q'), place('layers.0.v', 0, 'v'), place('layers.1.q', 1, 'q'), place('layers.1.v', 1, 'v'), place('head', null, 'head')];
/** Column-major 5×2 from per-column lists. */
const cols = (...columns: number[][]) => ({ rows: columns[0].length, cols: columns.length, values: Float64Array.from(columns.flat()) });

const comparison: ComparisonPayload = {
  reference: { file: '/a', label: 'a' },
  others: [
    { file: '/b', label: 'b' },
    { file: '/c', label: 'c' },
  ],
  modules: MODULES,
  cosine: cols([0.9, 0.7, 0.5, NaN, 0.2], [0.1, 0.2, 0.3, 0.4, 0.5]),
  relativeDistance: cols([0, 0, 0, 0, 0], [0, 0, 0, 0, 0]),
  columnCosine: cols([1, 0.8, 0.6, 0.4, 0.2], [0.5, 0.5, 0.5, 0.5, 0.5]),
  rowCosine: cols([0.5, 0.7, 0.9, 0.9, 0.9], [0.5, 0.5, 0.5, 0.5, 0.5]),
  k: cols([2, 2, 2, 2, 2], [2, 2, 2, 2, 2]),
  unmatched: [
    { against: 0, side: 'b', name: 'layers.2.q', nameB: null, reason: 'no module of A adapts the same base module' },
    { against: 1, side: 'both', name: 'layers.0.q', nameB: 'model.layers.0.q', reason: 'shapes differ: 4×4 in A, 4×8 in B' },
  ],
  seconds: 1,
};

test('per-depth similarity averages the modules at each depth, skipping modules without a depth or a value', () => {
  const d = depthSimilarity(comparison, 0, null);
  assert.deepEqual([...d.depths], [0, 1]);
  // Depth 1's v was not compared (NaN cosine): depth 1 averages the q alone in all three series.
  assert.deepEqual([...d.cosine], [0.8, 0.5]);
  assert.deepEqual(
    [...d.column].map((v) => +v.toFixed(12)),
    [0.9, 0.6],
  );
  assert.deepEqual([...d.row], [0.6, 0.9]);
  assert.deepEqual([...d.counts], [2, 1]);
  const v = depthSimilarity(comparison, 1, 'v');
  assert.deepEqual([...v.cosine], [0.2, 0.4]);
  assert.deepEqual(moduleTypesOf(MODULES), ['q', 'v', 'head']);
});

test('unmatched lines say which adapter, where and why, joining two names of one pair', () => {
  assert.deepEqual(unmatchedLines(comparison.unmatched, comparison.others, 'a'), [
    { against: 'b', where: 'only in b', module: 'layers.2.q', reason: 'no module of A adapts the same base module' },
    { against: 'c', where: 'in both', module: 'layers.0.q ↔ model.layers.0.q', reason: 'shapes differ: 4×4 in A, 4×8 in B' },
  ]);
});

test('convergence lines: one per module of the type, x in steps (or indices when a step is unknown), coloured by type', () => {
  const payload: ConvergencePayload = {
    checkpoints: [
      { file: '/1', label: 'c1', step: 100 },
      { file: '/2', label: 'c2', step: 200 },
      { file: '/3', label: 'c3', step: 300 },
    ],
    modules: MODULES.slice(0, 4),
    cosineToFinal: cols([0.5, 0.6, 0.7, NaN], [0.8, 0.9, 0.95, 0.9], [1, 1, 1, 1]),
    topAngleToFinal: cols([40, 30, 20, NaN], [10, 5, 3, 2], [0, 0, 0, 0]),
    relativeDistanceToFinal: cols([1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0]),
    unmatched: [],
    warnings: [],
    seconds: 1,
  };
  const all = convergenceLines(payload, 'cosine', null);
  assert.equal(all.lines.length, 4);
  assert.equal(all.xLabel, 'step');
  assert.deepEqual([...all.lines[1].xs], [100, 200, 300]);
  assert.deepEqual([...all.lines[1].ys], [0.6, 0.9, 1]);
  assert.deepEqual(
    all.lines.map((l) => l.slot),
    [0, 1, 0, 1],
  );
  assert.deepEqual(all.legend, [
    { label: 'q', slot: 0 },
    { label: 'v', slot: 1 },
  ]);
  const v = convergenceLines(payload, 'angle', 'v');
  assert.deepEqual(
    v.lines.map((l) => l.key),
    ['layers.0.v', 'layers.1.v'],
  );
  assert.ok(Number.isNaN(v.lines[1].ys[0]));
  const unknown = convergenceLines({ ...payload, checkpoints: [...payload.checkpoints.slice(0, 2), { file: '/3', label: 'final', step: null }] }, 'cosine', null);
  assert.equal(unknown.xLabel, 'checkpoint');
  assert.deepEqual([...unknown.lines[0].xs], [0, 1, 2]);
});

test('line chart geometry breaks a line at a gap and keeps a fixed y domain when given', () => {
  const m = lineChartModel([{ key: 'a', label: 'a', slot: 0, xs: Float64Array.from([0, 1, 2, 3]), ys: Float64Array.from([0.5, NaN, 0.25, 1]) }], {
    width: 200,
    height: 100,
    xLabel: 'x',
    yLabel: 'y',
    yDomain: [0, 1],
  });
  assert.deepEqual(m.y.domain(), [0, 1]);
  assert.equal(m.series[0].points.length, 3);
  assert.equal((m.series[0].path.match(/M/g) ?? []).length, 2, 'a NaN starts a new subpath');
  assert.equal(m.series[0].points[0].px, m.plot.left);
  assert.equal(m.series[0].points[2].py, m.plot.top);
});

test('fixed-scale heatmaps keep values on one scale, with rectangular cells that hit-test', () => {
  const matrix = cols([0.5, -2], [NaN, 1]);
  const h = fixedScaleHeatmap(matrix, 1, 30, 10);
  assert.deepEqual([h.width, h.height], [60, 20]);
  assert.deepEqual([...h.normalized], [0.5, 0, -1, 1]);
  assert.deepEqual(cellAt(h, 35, 15), { row: 1, col: 1, value: 1 });
  assert.ok(Number.isNaN(cellAt(h, 45, 5)?.value ?? 0));
  assert.equal(cellAt(h, 61, 5), null);
  assert.equal(offDiagonalMax(cols([1, 0.2, -0.3], [0.2, 1, NaN], [-0.3, NaN, 1])), 0.3);
});
