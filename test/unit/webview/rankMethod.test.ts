import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { DEFAULT_CHOICE, defaultParam, methodOf, parseChoice, parseParam, RECOMMEND_KINDS } from '../../../webview/model/rankMethod';
import { INITIAL_VIEW_STATE, parseViewState } from '../../../webview/model/viewState';
import { layerRow } from './fakeLayers';

const layers = [layerRow(0, { rank: 8, rows: 64, cols: 32 }), layerRow(1, { rank: 16, rows: 128, cols: 64 }), layerRow(2, { rank: 5, rows: 10, cols: 20 })];

test('each method maps to the protocol method with its parameter in the right field', () => {
  assert.deepEqual(methodOf({ kind: 'energy', param: 0.9 }), { kind: 'energy', level: 0.9 });
  assert.deepEqual(methodOf({ kind: 'above_mean', param: null }), { kind: 'above_mean' });
  assert.deepEqual(methodOf({ kind: 'sv_ratio', param: 4 }), { kind: 'sv_ratio', ratio: 4 });
  assert.deepEqual(methodOf({ kind: 'sv_fro', param: 0.8 }), { kind: 'sv_fro', target: 0.8 });
  assert.deepEqual(methodOf({ kind: 'sv_cumulative', param: 0.7 }), { kind: 'sv_cumulative', target: 0.7 });
  assert.deepEqual(methodOf({ kind: 'budget_rank', param: 12 }), { kind: 'budget', unit: 'rank', total: 12 });
  assert.deepEqual(methodOf({ kind: 'budget_params', param: 5000 }), { kind: 'budget', unit: 'params', total: 5000 });
  assert.deepEqual(methodOf({ kind: 'fixed', param: 3 }), { kind: 'fixed', rank: 3 });
  assert.equal(methodOf({ kind: 'none', param: null }), null);
  // A parameter the method refuses gives no method at all rather than a request the host would refuse.
  assert.equal(methodOf({ kind: 'energy', param: 1.5 }), null);
  assert.equal(methodOf({ kind: 'fixed', param: 2.5 }), null);
  assert.equal(methodOf({ kind: 'sv_ratio', param: null }), null);
});

test('typed parameters are checked: numbers in range pass, anything else says why', () => {
  assert.deepEqual(parseParam('energy', ' 0.95 '), { value: 0.95 });
  assert.deepEqual(parseParam('energy', '1'), { value: 1 });
  assert.deepEqual(parseParam('sv_ratio', '1'), { value: 1 });
  assert.deepEqual(parseParam('budget_params', '1e6'), { value: 1e6 });
  for (const [kind, text, why] of [
    ['energy', '0', /above 0/],
    ['energy', '1.01', /at most 1/],
    ['energy', '', /must be a number/],
    ['energy', 'abc', /must be a number/],
    ['sv_ratio', '0.5', /at least 1/],
    ['sv_fro', '-0.1', /above 0/],
    ['sv_cumulative', 'Infinity', /must be a number/],
    ['budget_rank', '2.5', /whole number/],
    ['budget_params', '0', /whole number/],
    ['fixed', '-3', /whole number/],
    ['above_mean', '3', /takes no parameter/],
  ] as const) {
    const parsed = parseParam(kind, text);
    assert.ok('error' in parsed, `${kind} ${JSON.stringify(text)} is refused`);
    assert.match(parsed.error, why);
  }
});

test('defaults: budgets are half of what the adapter has now, a fixed rank half the largest', () => {
  assert.equal(defaultParam('budget_rank', layers), Math.round((8 + 16 + 5) / 2));
  assert.equal(defaultParam('budget_params', layers), Math.round((8 * 96 + 16 * 192 + 5 * 30) / 2));
  assert.equal(defaultParam('fixed', layers), 8);
  assert.equal(defaultParam('energy', layers), 0.95);
  assert.equal(defaultParam('above_mean', layers), null);
  assert.equal(defaultParam('budget_rank', []), 1, 'never a budget of 0');
  // Every method's default passes its own check.
  for (const { kind } of RECOMMEND_KINDS) {
    if (kind === 'none') continue;
    assert.notEqual(methodOf({ kind, param: defaultParam(kind, layers) }), null, kind);
  }
});

test('the choice is kept in saved view state and falls back on bad values', () => {
  const state = { ...INITIAL_VIEW_STATE, recommend: { kind: 'budget_rank', param: 12 } } as const;
  assert.deepEqual(parseViewState(JSON.parse(JSON.stringify(state))).recommend, state.recommend);
  assert.deepEqual(parseViewState({}).recommend, DEFAULT_CHOICE);
  assert.deepEqual(parseChoice({ kind: 'nonsense', param: 3 }), DEFAULT_CHOICE);
  assert.deepEqual(parseChoice({ kind: 'energy', param: 7 }), DEFAULT_CHOICE);
  assert.deepEqual(parseChoice({ kind: 'energy', param: '0.9' }), DEFAULT_CHOICE);
  assert.deepEqual(parseChoice({ kind: 'above_mean', param: 3 }), { kind: 'above_mean', param: null });
  // View state saved under the rule's old name.
  assert.deepEqual(parseChoice({ kind: 'auto', param: null }), { kind: 'above_mean', param: null });
  assert.deepEqual(parseChoice({ kind: 'none' }), { kind: 'none', param: null });
  assert.deepEqual(parseChoice(null), DEFAULT_CHOICE);
});
