/**
 * Rows picked for copying, beside the one current row (the row the host, details pane and
 * charts follow). Picking rows never moves the current row: Ctrl/Cmd+click toggles a row in
 * or out, Shift+click or Shift+arrow covers the rows between the current row and a moving
 * end. An empty set means "just the current row", so a plain click or arrow, which moves the
 * current row, resets it by emptying it. The set is local to the view and is not saved.
 */
export interface RowSelection {
  readonly rows: ReadonlySet<number>;
  /** The row a Shift+arrow moves from (the last row picked); null: the current row. */
  readonly end: number | null;
}

export const NO_ROWS: RowSelection = { rows: new Set(), end: null };

/** The rows from the current row to `target`, both included, in table order. */
export function rangeSelection(visible: readonly number[], current: number | null, target: number): RowSelection {
  const to = visible.indexOf(target);
  if (to < 0) return NO_ROWS;
  const from = current === null ? -1 : visible.indexOf(current);
  if (from < 0) return { rows: new Set([target]), end: target };
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  return { rows: new Set(visible.slice(lo, hi + 1)), end: target };
}

/** `target` toggled in or out; the current row counts as picked when nothing else is. */
export function toggleSelection(visible: readonly number[], current: number | null, selection: RowSelection, target: number): RowSelection {
  if (!visible.includes(target)) return selection;
  const rows = new Set(effectiveRows(visible, current, selection));
  if (rows.has(target)) rows.delete(target);
  else rows.add(target);
  return { rows, end: target };
}

/** The range end moved one row up or down (Shift+ArrowUp/Down), the range redrawn from the current row. */
export function extendSelection(visible: readonly number[], current: number | null, selection: RowSelection, step: -1 | 1): RowSelection {
  const from = selection.end ?? current;
  const at = from === null ? -1 : visible.indexOf(from);
  if (visible.length === 0) return selection;
  const next = at < 0 ? (step > 0 ? 0 : visible.length - 1) : Math.max(0, Math.min(visible.length - 1, at + step));
  return rangeSelection(visible, current, visible[next]);
}

/**
 * The rows picked, in table order, among the visible ones: the set when it has any visible
 * row, else the current row when it is visible, else none.
 */
export function effectiveRows(visible: readonly number[], current: number | null, selection: RowSelection): number[] {
  const picked = visible.filter((i) => selection.rows.has(i));
  if (picked.length > 0) return picked;
  return current !== null && visible.includes(current) ? [current] : [];
}
