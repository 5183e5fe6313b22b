import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { LayerAnalysis } from '../../../src/protocol/payloads';
import { learnedAllocationText } from '../../../webview/model/learnedAllocation';
import { analysed, layerRow, skipped } from './fakeLayers';

test("the ranks view names AdaLoRA's learned allocation per layer, and says nothing without selection values", () => {
  const layers = [layerRow(0), layerRow(1), layerRow(2)];
  const withE = (r: LayerAnalysis, learnedRank: number, storedRank: number): LayerAnalysis =>
    r.status === 'ok' ? { ...r, learnedAllocation: { learnedRank, storedRank, ranknum: null } } : r;
  const plain = new Map<number, LayerAnalysis>([
    [0, analysed(0, [3, 2, 1])],
    [1, analysed(1, [2, 1])],
  ]);
  assert.equal(learnedAllocationText(layers, plain), null);
  const ada = new Map<number, LayerAnalysis>([
    [0, withE(analysed(0, [3, 2, 1]), 2, 6)],
    [1, withE(analysed(1, [2, 1]), 5, 6)],
    [2, skipped(2)],
  ]);
  const text = learnedAllocationText(layers, ada) ?? '';
  assert.match(text, /^AdaLoRA's learned allocation \(its own selection values, E ≠ 0\): 2 layers keep 7 of 12 ranks — /);
  assert.ok(text.includes(`${layers[0].name} 2/6, ${layers[1].name} 5/6.`), text);
});
