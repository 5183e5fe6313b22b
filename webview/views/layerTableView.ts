import { select } from 'd3-selection';
import type { LayerAnalysis, LayerRow } from '../../src/protocol/payloads';
import { DisposableStore, type Disposable } from '../disposable';
import { el } from '../dom';
import { columnFormat, columnScale, type ColumnFormat, type ColumnScale } from '../model/columnFormat';
import { COLUMNS, type Column, type ColumnKey } from '../model/columns';
import type { SortSpec } from '../model/layerTable';
import { MAX_COLUMN_WIDTH, MIN_COLUMN_WIDTH } from '../model/viewState';

export interface LayerTableHandlers {
  readonly onSort: (key: ColumnKey) => void;
  /** A row click: `toggle` with Ctrl/Cmd held, `range` with Shift held. */
  readonly onSelect: (index: number, open: boolean, keys: { readonly toggle: boolean; readonly range: boolean }) => void;
  readonly onKey: (event: KeyboardEvent) => void;
  /** A header edge was dragged to `width` CSS px (called once, when the drag ends). */
  readonly onResize: (key: ColumnKey, width: number) => void;
  /** Copy (Ctrl+C / Cmd+C, or the host's Copy) with the table focused and no text selected. */
  readonly onCopy: (event: ClipboardEvent) => void;
}

export interface LayerTableInput {
  /** Every layer of the adapter: the column formats and bars are chosen from all of them, so filtering does not change them. */
  readonly all: readonly LayerRow[];
  readonly rows: readonly LayerRow[];
  readonly results: ReadonlyMap<number, LayerAnalysis>;
  readonly sort: SortSpec | null;
  readonly selected: number | null;
  /** The rows shown as selected (picked for copying); the current row alone when none is picked. */
  readonly picked: ReadonlySet<number>;
  readonly hidden: ReadonlySet<ColumnKey>;
  readonly widths: Readonly<Partial<Record<ColumnKey, number>>>;
}

export interface LayerTableView extends Disposable {
  update(input: LayerTableInput): void;
  /** Scrolls the selected row into view (after keyboard moves and reveals). */
  revealSelected(): void;
  /** Scrolls the row of layer `index` into view (the end of a Shift+arrow range). */
  reveal(index: number): void;
  focus(): void;
}

interface ColumnLook {
  readonly format: ColumnFormat | null;
  readonly scale: ColumnScale | null;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

/** Each column's format and bar scale, from the values of every layer known so far. */
function columnLooks(all: readonly LayerRow[], results: ReadonlyMap<number, LayerAnalysis>): ColumnLook[] {
  return COLUMNS.map((column) => {
    if (!column.style && !column.bar) return { format: null, scale: null };
    const values = all.map((row) => numberOrNull(column.value(row, results.get(row.index))));
    return { format: column.style ? columnFormat(values, column.style) : null, scale: column.bar ? columnScale(values) : null };
  });
}

function cellText(column: Column, look: ColumnLook, row: LayerRow, result: LayerAnalysis | undefined): string {
  // Pending and skipped cells keep the column's own words ('—', 'skipped').
  if (!look.format || (column.analysed && result?.status !== 'ok')) return column.text(row, result);
  return look.format.text(numberOrNull(column.value(row, result)));
}

function applyWidth(cell: HTMLElement, width: number | undefined): void {
  const px = width === undefined ? '' : `${width}px`;
  if (cell.style.width === px) return;
  cell.style.width = px;
  cell.style.minWidth = px;
  cell.style.maxWidth = px;
  cell.classList.toggle('sized', width !== undefined);
}

/**
 * The layer table: a plain <table> in a focusable grid, rows joined by layer index so that
 * streamed results update cells in place instead of rebuilding rows (and losing scroll).
 */
export function renderLayerTable(parent: HTMLElement, handlers: LayerTableHandlers): LayerTableView {
  const disposables = new DisposableStore();
  const wrap = el('div', 'table-wrap');
  wrap.tabIndex = 0;
  wrap.setAttribute('role', 'grid');
  wrap.setAttribute('aria-label', 'Layers');
  const table = el('table', 'layers');
  const headRow = el('tr');
  table.createTHead().append(headRow);
  const body = table.createTBody();
  wrap.append(table);
  parent.append(wrap);

  for (const column of COLUMNS) {
    const th = el('th', column.numeric ? 'num' : undefined);
    th.append(el('span', 'th-label', column.label));
    th.title = column.title;
    th.dataset.key = column.key;
    th.setAttribute('role', 'columnheader');
    th.addEventListener('click', () => handlers.onSort(column.key));
    const grip = el('span', 'resizer');
    grip.title = 'Drag to resize';
    grip.setAttribute('aria-hidden', 'true');
    grip.addEventListener('click', (event) => event.stopPropagation());
    grip.addEventListener('pointerdown', (event) => startResize(event, th, column.key));
    th.append(grip);
    headRow.append(th);
  }

  /** Drags a header edge: the column follows the pointer live, the width is saved at the end. */
  function startResize(event: PointerEvent, th: HTMLTableCellElement, key: ColumnKey): void {
    event.preventDefault();
    event.stopPropagation();
    const grip = event.currentTarget as HTMLElement;
    const startX = event.clientX;
    const startWidth = th.getBoundingClientRect().width;
    let width = Math.round(startWidth);
    const cells = () => [th, ...Array.from(body.querySelectorAll<HTMLElement>(`td[data-key="${key}"]`))];
    grip.setPointerCapture(event.pointerId);
    const move = (e: PointerEvent) => {
      width = Math.round(Math.min(MAX_COLUMN_WIDTH, Math.max(MIN_COLUMN_WIDTH, startWidth + e.clientX - startX)));
      for (const cell of cells()) applyWidth(cell, width);
    };
    const end = () => {
      grip.removeEventListener('pointermove', move);
      grip.removeEventListener('pointerup', end);
      grip.removeEventListener('pointercancel', end);
      handlers.onResize(key, width);
    };
    grip.addEventListener('pointermove', move);
    grip.addEventListener('pointerup', end);
    grip.addEventListener('pointercancel', end);
  }

  disposables.listen(wrap, 'keydown', handlers.onKey);
  disposables.listen(wrap, 'copy', (event) => {
    // A text selection the user made copies as text, as anywhere else.
    const selection = window.getSelection();
    if (selection && !selection.isCollapsed && selection.toString().length > 0) return;
    handlers.onCopy(event);
  });
  // Shift+click would otherwise select text, which Ctrl+C would then copy instead of the rows.
  disposables.listen(body, 'mousedown', (event) => {
    if (event.shiftKey) event.preventDefault();
  });
  disposables.listen(body, 'click', (event) => {
    const row = (event.target as Element).closest('tr');
    const index = row ? Number(row.dataset.index) : NaN;
    if (Number.isInteger(index)) handlers.onSelect(index, true, { toggle: event.ctrlKey || event.metaKey, range: event.shiftKey });
  });

  const update = (input: LayerTableInput) => {
    const looks = columnLooks(input.all, input.results);
    select(headRow)
      .selectAll<HTMLTableCellElement, unknown>('th')
      .attr('aria-sort', function () {
        const sort = input.sort;
        return sort && sort.key === this.dataset.key ? (sort.descending ? 'descending' : 'ascending') : 'none';
      })
      .each(function (_d, i) {
        const key = COLUMNS[i].key;
        this.hidden = input.hidden.has(key);
        applyWidth(this, input.widths[key]);
      });
    select(body)
      .selectAll<HTMLTableRowElement, LayerRow>('tr')
      .data(input.rows, (d) => d.index)
      .join((enter) =>
        enter.append('tr').each(function (d) {
          this.dataset.index = String(d.index);
          this.setAttribute('role', 'row');
          for (const column of COLUMNS) {
            const td = this.appendChild(el('td', column.numeric ? 'num' : undefined));
            td.dataset.key = column.key;
            if (column.key === 'module') td.title = d.name;
          }
        }),
      )
      .order()
      .classed('current', (d) => d.index === input.selected)
      .classed('selected', (d) => input.picked.has(d.index))
      .attr('aria-selected', (d) => String(input.picked.has(d.index)))
      .each(function (d) {
        const result = input.results.get(d.index);
        COLUMNS.forEach((column, i) => {
          const td = this.cells[i];
          const look = looks[i];
          td.hidden = input.hidden.has(column.key);
          applyWidth(td, input.widths[column.key]);
          const text = cellText(column, look, d, result);
          if (td.textContent !== text) td.textContent = text;
          if (look.scale) {
            const value = numberOrNull(column.value(d, result));
            const share = look.scale.share(value);
            td.classList.toggle('bar', share !== null);
            td.classList.toggle('outlier', look.scale.outlier(value));
            td.style.setProperty('--bar', share === null ? '0%' : `${(share * 100).toFixed(1)}%`);
          }
          if (column.analysed) {
            td.classList.toggle('pending', !result);
            td.classList.toggle('skipped', result?.status === 'skipped');
            if (result?.status === 'skipped') td.title = result.reason;
          }
        });
      });
  };

  return {
    update,
    revealSelected: () => body.querySelector('tr.current')?.scrollIntoView({ block: 'nearest' }),
    reveal: (index) => body.querySelector(`tr[data-index="${index}"]`)?.scrollIntoView({ block: 'nearest' }),
    focus: () => wrap.focus(),
    dispose: () => {
      disposables.dispose();
      wrap.remove();
    },
  };
}
