import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { LayerAnalysis, LayerRow } from '../../../src/protocol/payloads';
import { mixerPlaceholder } from '../../../webview/model/mixerLayer';
import { Rng } from '../../helpers/random';
import { analysed, layerRow, skipped } from './fakeLayers';

const LOKR = { algorithm: 'LoKr', maxRank: 16, kronecker: { w1: { rows: 4, cols: 4, rank: 4, full: true }, w2: { rows: 192, cols: 192, rank: 4, full: false } } } as const;
type Status = Parameters<typeof mixerPlaceholder>[0];

function said(rows: LayerRow[], results: LayerAnalysis[], status: Status): string {
  return mixerPlaceholder(status, rows, new Map(results.map((r) => [r.index, r])));
}

test('the Mixer says matrices are coming only while the analysis runs; once done, a LoKr adapter is told apart', () => {
  const rng = Rng.fresh();
  const n = rng.int(1, 40);
  const rows = Array.from({ length: n }, (_, i) => layerRow(i, { structure: LOKR }));
  const results = rows.map((r) => (rng.next() < 0.2 ? skipped(r.index) : analysed(r.index, [3, 2, 1])));
  assert.match(said(rows, results, 'running'), /appear as layers are analysed/, rng.tag);
  const done = said(rows, results, 'done');
  if (results.some((r) => r.status === 'ok')) {
    assert.doesNotMatch(done, /appear as layers are analysed/, rng.tag);
    assert.match(done, /LoKr, a Kronecker product/, rng.tag);
  } else assert.match(done, /no layer was analysed/, rng.tag);
  // A mixed adapter (one plain LoRA layer among them) is not called all-LoKr.
  const mixed = [...rows, layerRow(n)];
  assert.doesNotMatch(said(mixed, [...results, analysed(n, [1])], 'done'), /every analysed layer/, rng.tag);
  assert.match(said(rows, [], 'held'), /not been analysed yet/, rng.tag);
});
