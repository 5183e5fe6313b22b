import type { LayerAnalysis, LayerRow } from '../../src/protocol/payloads';
import { columnOf, type CellValue, type ColumnKey } from './columns';

export interface SortSpec {
  readonly key: ColumnKey;
  readonly descending: boolean;
}

/**
 * Whether a layer matches the filter text: every whitespace-separated term must occur
 * (case-insensitively) in the module name, its type, kind or block, so `q_proj 11` narrows
 * to one projection of one block.
 */
export function matchesFilter(row: LayerRow, filter: string): boolean {
  const terms = filter
    .toLowerCase()
    .split(/\s+/)
    .filter((t) => t.length > 0);
  if (terms.length === 0) return true;
  const haystack = `${row.name} ${row.moduleType} ${row.kind} ${row.family} ${row.block ?? ''}`.toLowerCase();
  return terms.every((t) => haystack.includes(t));
}

/**
 * Unknown values (a metric not computed yet, a skipped module) sort last in both directions,
 * so a half-finished analysis never puts its pending rows on top of a descending sort.
 */
function compareValues(a: CellValue, b: CellValue, descending: boolean): number {
  const aMissing = a === null || (typeof a === 'number' && Number.isNaN(a));
  const bMissing = b === null || (typeof b === 'number' && Number.isNaN(b));
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
  const order = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b), undefined, { numeric: true });
  return descending ? -order : order;
}

/** The rows to show, filtered and sorted; ties keep the adapter's module order. */
export function visibleRows(layers: readonly LayerRow[], results: ReadonlyMap<number, LayerAnalysis>, filter: string, sort: SortSpec | null): LayerRow[] {
  const rows = layers.filter((row) => matchesFilter(row, filter));
  if (!sort) return rows;
  const column = columnOf(sort.key);
  const keyed = rows.map((row) => ({ row, value: column.value(row, results.get(row.index)) }));
  keyed.sort((a, b) => compareValues(a.value, b.value, sort.descending) || a.row.index - b.row.index);
  return keyed.map((k) => k.row);
}

/** Clicking a header: a new column sorts ascending (numbers descending), the same one flips. */
export function nextSort(current: SortSpec | null, key: ColumnKey): SortSpec {
  if (current?.key === key) return { key, descending: !current.descending };
  return { key, descending: columnOf(key).numeric };
}

export type NavigationKey = 'ArrowUp' | 'ArrowDown' | 'Home' | 'End' | 'PageUp' | 'PageDown';

export function isNavigationKey(key: string): key is NavigationKey {
  return key === 'ArrowUp' || key === 'ArrowDown' || key === 'Home' || key === 'End' || key === 'PageUp' || key === 'PageDown';
}

/**
 * The layer selected after a navigation key, among the visible rows. With nothing (or a
 * filtered-out layer) selected, any key starts at the first row, or the last for End/ArrowUp.
 */
export function navigate(visible: readonly number[], selected: number | null, key: NavigationKey, page = 10): number | null {
  if (visible.length === 0) return null;
  const at = selected === null ? -1 : visible.indexOf(selected);
  const last = visible.length - 1;
  if (at < 0) return key === 'End' || key === 'ArrowUp' ? visible[last] : visible[0];
  const clamp = (i: number) => visible[Math.max(0, Math.min(last, i))];
  switch (key) {
    case 'ArrowUp':
      return clamp(at - 1);
    case 'ArrowDown':
      return clamp(at + 1);
    case 'PageUp':
      return clamp(at - page);
    case 'PageDown':
      return clamp(at + page);
    case 'Home':
      return visible[0];
    case 'End':
      return visible[last];
  }
}
