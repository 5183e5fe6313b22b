import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { mixerInitComparison } from '../../../src/core/analysis/mixerInit';
import type { LayerAnalysis } from '../../../src/protocol/payloads';
import { mixerLayer } from '../../../webview/model/mixerLayer';
import { multiplesModel } from '../../../webview/model/multiplesModel';
import { spectrumLayers, topBySigma1 } from '../../../webview/model/spectrumLayers';
import { analysed, layerRow, skipped } from './fakeLayers';

const withCore = (r: LayerAnalysis, mixer = false): LayerAnalysis => {
  if (r.status !== 'ok') return r;
  const m = { rows: 2, cols: 2, values: new Float64Array([1, 0, 0, 1]) };
  return { ...r, core: m, mixer: mixer ? { ...m, singularValues: new Float64Array([1, 1]), init: mixerInitComparison(m.values, 2) } : null };
};

test('the spectrum chart draws the chosen layers, else the selection, else the first analysed', () => {
  const results = new Map<number, LayerAnalysis>([
    [5, analysed(5, [1])],
    [2, analysed(2, [3])],
    [9, skipped(9)],
    [7, analysed(7, [9])],
    [1, analysed(1, [2])],
  ]);
  assert.deepEqual(spectrumLayers([9, 7, 4], null, results), [7], 'skipped and pending layers drop out');
  assert.deepEqual(spectrumLayers([], 5, results), [5]);
  assert.deepEqual(spectrumLayers([], 9, results), [1, 2, 5]);
  assert.deepEqual(topBySigma1(results, 2), [7, 2]);
});

test('the mixer view prefers the selection, then a learned mixer, then any core', () => {
  const layers = [0, 1, 2].map((i) => layerRow(i));
  const results = new Map<number, LayerAnalysis>([
    [0, withCore(analysed(0, [1]))],
    [1, analysed(1, [1])],
    [2, withCore(analysed(2, [1]), true)],
  ]);
  assert.equal(mixerLayer(layers, results, 0), 0);
  assert.equal(mixerLayer(layers, results, 1), 2, 'layer 1 has neither core nor mixer');
  assert.equal(mixerLayer(layers, results, null), 2);
  results.delete(2);
  assert.equal(mixerLayer(layers, results, null), 0);
  assert.equal(mixerLayer(layers, new Map(), null), null);
});

test('small multiples take one module type in depth order, normalized by each σ1', () => {
  const layers = [
    layerRow(0, { depth: 2, moduleType: 'q' }),
    layerRow(1, { depth: 0, moduleType: 'q' }),
    layerRow(2, { depth: 1, moduleType: 'v' }),
    layerRow(3, { depth: 1, moduleType: 'q' }),
  ];
  const results = new Map<number, LayerAnalysis>([
    [0, analysed(0, [8, 4, 2])],
    [1, analysed(1, [1000, 500, 250])],
  ]);
  const model = multiplesModel(layers, results, 'q', 100, 60);
  assert.deepEqual(
    model.panels.map((p) => [p.index, p.analysed]),
    [
      [1, true],
      [3, false],
      [0, true],
    ],
  );
  // Same shape at different scales gives the same curve.
  assert.deepEqual([...model.panels[0].points], [...model.panels[2].points]);
  assert.equal(model.panels[1].points.length, 0);
  assert.ok(Math.abs(model.panels[0].points[1] - model.y(1)) < 1e-9, 'σ1/σ1 = 1 sits at the top of the axis');
});
