import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { INITIAL_VIEW_STATE, parseViewState } from '../../../webview/model/viewState';

test('saved view state round-trips through JSON', () => {
  const state = {
    tab: 'spectrum',
    selected: 4,
    detailsOpen: true,
    sort: { key: 'r95', descending: true },
    filter: 'q_proj',
    grouping: 'moduleType',
    spectrumLayers: [1, 2],
    moduleType: 'self_attn.q_proj',
    recommend: { kind: 'sv_fro', param: 0.8 },
    hiddenColumns: ['alpha', 'stableRank'],
    columnWidths: { module: 240, sigma1: 90 },
  } as const;
  assert.deepEqual(parseViewState(JSON.parse(JSON.stringify(state))), state);
});

test('missing or malformed state falls back field by field', () => {
  assert.deepEqual(parseViewState(undefined), INITIAL_VIEW_STATE);
  assert.deepEqual(parseViewState('nonsense'), INITIAL_VIEW_STATE);
  const parsed = parseViewState({ tab: 'nope', selected: -1, sort: { key: 'notAColumn' }, filter: 42, spectrumLayers: [1, 'x', 2.5, 3], grouping: 'block' });
  assert.equal(parsed.tab, INITIAL_VIEW_STATE.tab);
  assert.equal(parsed.selected, null);
  assert.equal(parsed.sort, null);
  assert.equal(parsed.filter, '');
  assert.deepEqual(parsed.spectrumLayers, [1, 3]);
  assert.deepEqual(parseViewState({ tab: 'mixer', selected: 0 }).selected, 0);
  assert.deepEqual(parseViewState({ tab: 'mixer' }).tab, 'mixer');
});

test('hidden columns and widths are checked: known columns only, never the module column, widths bounded', () => {
  const parsed = parseViewState({ hiddenColumns: ['module', 'alpha', 'alpha', 'nope', 3], columnWidths: { sigma1: 5, module: 1e9, r95: 'wide', nope: 100, alpha: NaN } });
  assert.deepEqual(parsed.hiddenColumns, ['alpha']);
  assert.deepEqual(parsed.columnWidths, { sigma1: 32, module: 2000 });
  assert.deepEqual(parseViewState({ hiddenColumns: 'alpha', columnWidths: [1] }).columnWidths, {});
});
