import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { BaseModelPayload, BaseModuleRow } from '../../../src/protocol/basePayloads';
import { baseDepth } from '../../../webview/model/baseDepthModel';
import { lineChartModel } from '../../../webview/model/lineChartModel';

const row = (name: string, depth: number | null, moduleType: string): BaseModuleRow => ({
  name,
  block: depth === null ? null : `layers.${depth}`,
  depth,
  moduleType,
  rows: 4,
  cols: 4,
  weight: `${name}.weight`,
  transposed: false,
  conversionMethod: 'qr',
  conversionRank: 4,
});

function payload(): BaseModelPayload {
  const modules = [row('layers.0.q', 0, 'q'), row('layers.0.v', 0, 'v'), row('layers.1.q', 1, 'q'), row('layers.1.v', 1, 'v'), row('head', null, 'head')];
  const f = (...xs: number[]) => Float64Array.from(xs);
  return {
    adapter: { file: '/a/adapter_model.safetensors', label: 'a' },
    base: { path: '/b', label: 'b', shards: ['/b/model.safetensors'], engine: 'js', fallbackReason: null },
    k: 4,
    kBase: 8,
    epsilon: 0.5,
    modules,
    columnCosine: f(0.9, 0.7, 0.4, 0.2, 0.5),
    rowCosine: f(0.8, 0.6, 0.3, 0.1, 0.5),
    meanCosine: f(0.85, 0.65, 0.35, 0.15, 0.5),
    amplification: f(2, 8, Infinity, 3, 1),
    intruders: f(0, 1, 2, 1, 4),
    undetermined: f(1, 0, 0, 2, 4),
    intruderK: f(4, 4, 4, 4, 4),
    skipped: [],
    conversionGroups: [],
    seconds: 1,
  };
}

test('baseDepth: cosine means, geometric mean of finite amplifications, summed intruder counts; no-depth modules left out', () => {
  const d = baseDepth(payload(), null);
  assert.deepEqual(Array.from(d.depths), [0, 1]);
  assert.ok(Math.abs(d.column[0] - 0.8) < 1e-12 && Math.abs(d.row[1] - 0.2) < 1e-12);
  assert.ok(Math.abs(d.amplification[0] - 4) < 1e-12, `${d.amplification[0]}`);
  // Layer 1's q is infinite: the mean is over the finite one only.
  assert.ok(Math.abs(d.amplification[1] - 3) < 1e-12);
  assert.deepEqual(Array.from(d.intruders), [1, 3]);
  assert.deepEqual(Array.from(d.undetermined), [1, 2]);
  assert.deepEqual(Array.from(d.counts), [2, 2]);
  const q = baseDepth(payload(), 'q');
  assert.deepEqual(Array.from(q.column), [0.9, 0.4]);
  assert.ok(Number.isNaN(q.amplification[1]));
});

test('lineChartModel on a log axis: equal ratios are equal distances, and non-positive values are gaps', () => {
  const m = lineChartModel([{ key: 'a', label: 'a', slot: 0, xs: Float64Array.from([0, 1, 2, 3]), ys: Float64Array.from([0.1, 1, 0, 10]) }], {
    width: 200,
    height: 100,
    xLabel: 'x',
    yLabel: 'y',
    yScale: 'log',
  });
  assert.equal(m.yScale, 'log');
  assert.ok(Math.abs(m.y(0.1) - m.y(1) - (m.y(1) - m.y(10))) < 1e-9);
  assert.equal(m.series[0].points.length, 3);
  assert.equal((m.series[0].path.match(/M/g) ?? []).length, 2);
});
