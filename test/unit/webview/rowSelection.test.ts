import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { effectiveRows, extendSelection, NO_ROWS, rangeSelection, toggleSelection, type RowSelection } from '../../../webview/model/rowSelection';
import { Rng } from '../../helpers/random';

/** Distinct layer indices in a shuffled table order (as a sort or filter leaves them). */
function tableOrder(rng: Rng, count: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i * 3 + rng.int(0, 2));
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

test('Shift+click picks exactly the rows between the current row and the target, in table order', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 200; trial++) {
    const visible = tableOrder(rng, rng.int(1, 40));
    const a = rng.int(0, visible.length - 1);
    const b = rng.int(0, visible.length - 1);
    const range = rangeSelection(visible, visible[a], visible[b]);
    const expected = visible.slice(Math.min(a, b), Math.max(a, b) + 1);
    assert.deepEqual(effectiveRows(visible, visible[a], range), expected, `${rng.tag} a=${a} b=${b}`);
    assert.equal(range.end, visible[b], rng.tag);
    // No visible current row: the range is the target alone.
    assert.deepEqual(effectiveRows(visible, null, rangeSelection(visible, null, visible[b])), [visible[b]], rng.tag);
  }
});

test('Ctrl+click toggles rows against a reference set; the current row counts until others are picked', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 100; trial++) {
    const visible = tableOrder(rng, rng.int(1, 30));
    const current = visible[rng.int(0, visible.length - 1)];
    let selection: RowSelection = NO_ROWS;
    const reference = new Set([current]);
    for (let click = 0; click < 20; click++) {
      const target = visible[rng.int(0, visible.length - 1)];
      selection = toggleSelection(visible, current, selection, target);
      if (reference.has(target)) reference.delete(target);
      else reference.add(target);
      // An emptied set falls back to the current row, as a fresh one does.
      if (reference.size === 0) reference.add(current);
      const want = visible.filter((i) => reference.has(i));
      assert.deepEqual(effectiveRows(visible, current, selection), want, `${rng.tag} trial ${trial} click ${click}`);
    }
  }
});

test('Shift+arrows move the range end one row at a time, clamped to the table', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 100; trial++) {
    const visible = tableOrder(rng, rng.int(1, 25));
    const start = rng.int(0, visible.length - 1);
    let end = start;
    let selection: RowSelection = NO_ROWS;
    for (let press = 0; press < 30; press++) {
      const step = rng.next() < 0.5 ? -1 : 1;
      end = Math.max(0, Math.min(visible.length - 1, end + step));
      selection = extendSelection(visible, visible[start], selection, step);
      const want = visible.slice(Math.min(start, end), Math.max(start, end) + 1);
      assert.deepEqual(effectiveRows(visible, visible[start], selection), want, `${rng.tag} trial ${trial} press ${press}`);
    }
  }
});

test('picked rows the filter hides are not copied; with none visible the current row (or nothing) is', () => {
  const visible = [5, 2, 9];
  const selection: RowSelection = { rows: new Set([7, 9, 2]), end: 9 };
  assert.deepEqual(effectiveRows(visible, 5, selection), [2, 9]);
  assert.deepEqual(effectiveRows(visible, 5, { rows: new Set([7]), end: 7 }), [5]);
  assert.deepEqual(effectiveRows(visible, 7, NO_ROWS), []);
  assert.deepEqual(toggleSelection(visible, 5, NO_ROWS, 7), NO_ROWS, 'a hidden row is not toggled');
});
