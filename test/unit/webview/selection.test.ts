import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { mixerInitComparison } from '../../../src/core/analysis/mixerInit';
import type { LayerAnalysis } from '../../../src/protocol/payloads';
import { mixerLayer } from '../../../webview/model/mixerLayer';
import { multiplesModel } from '../../../webview/model/multiplesModel';
import { largestPerModuleType, MAX_DEFAULT_LAYERS, spectrumLayers, topBySigma1 } from '../../../webview/model/spectrumLayers';
import { Rng } from '../../helpers/random';
import { analysed, layerRow, skipped } from './fakeLayers';

const withCore = (r: LayerAnalysis, mixer = false): LayerAnalysis => {
  if (r.status !== 'ok') return r;
  const m = { rows: 2, cols: 2, values: new Float64Array([1, 0, 0, 1]) };
  return { ...r, core: m, mixer: mixer ? { ...m, singularValues: new Float64Array([1, 1]), init: mixerInitComparison(m.values, 2) } : null };
};

test('the spectrum chart draws the chosen layers, else the selection, else the largest σ1 of each module type', () => {
  const results = new Map<number, LayerAnalysis>([
    [5, analysed(5, [1])],
    [2, analysed(2, [3])],
    [9, skipped(9)],
    [7, analysed(7, [9])],
    [1, analysed(1, [2])],
  ]);
  const type = (i: number) => (i % 2 === 0 ? 'even' : 'odd');
  assert.deepEqual(spectrumLayers([9, 7, 4], null, results, type), [7], 'skipped and pending layers drop out');
  assert.deepEqual(spectrumLayers([], 5, results, type), [5]);
  assert.deepEqual(spectrumLayers([], 9, results, type), [7, 2], 'odd: 7 (σ1 9) beats 5 and 1; even: 2; largest first');
  assert.deepEqual(topBySigma1(results, 2), [7, 2]);
});

test('the default overlay holds exactly the largest σ1 of each module type, largest first', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 30; trial++) {
    const types = Array.from({ length: rng.int(1, 12) }, (_, t) => `type${t}`);
    const results = new Map<number, LayerAnalysis>();
    const typeOf = new Map<number, string>();
    const count = rng.int(1, 80);
    for (let i = 0; i < count; i++) {
      typeOf.set(i, types[rng.int(0, types.length - 1)]);
      // Ties on σ1 are drawn on purpose (few distinct values): the lower index must win them.
      results.set(i, rng.next() < 0.1 ? skipped(i) : analysed(i, [rng.int(1, 20) / 4]));
    }
    const got = largestPerModuleType(results, (i) => typeOf.get(i), MAX_DEFAULT_LAYERS);
    // Reference: for each type scan every layer, in index order, keeping the first strict maximum.
    const expected: { index: number; sigma1: number }[] = [];
    for (const t of types) {
      let best: { index: number; sigma1: number } | null = null;
      for (let i = 0; i < count; i++) {
        const r = results.get(i);
        if (typeOf.get(i) !== t || r?.status !== 'ok') continue;
        if (best === null || r.metrics.sigma1 > best.sigma1) best = { index: i, sigma1: r.metrics.sigma1 };
      }
      if (best) expected.push(best);
    }
    expected.sort((a, b) => b.sigma1 - a.sigma1 || a.index - b.index);
    const want = expected.slice(0, MAX_DEFAULT_LAYERS).map((e) => e.index);
    assert.deepEqual(got, want, `seed ${rng.seed}, trial ${trial}`);
  }
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
