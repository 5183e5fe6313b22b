import { select } from 'd3-selection';
import type { LayerAnalysis, LayerRow } from '../../src/protocol/payloads';
import { DisposableStore, type Disposable } from '../disposable';
import { el } from '../dom';
import { COLUMNS, type ColumnKey } from '../model/columns';
import type { SortSpec } from '../model/layerTable';

export interface LayerTableHandlers {
  readonly onSort: (key: ColumnKey) => void;
  readonly onSelect: (index: number, open: boolean) => void;
  readonly onKey: (event: KeyboardEvent) => void;
}

export interface LayerTableInput {
  readonly rows: readonly LayerRow[];
  readonly results: ReadonlyMap<number, LayerAnalysis>;
  readonly sort: SortSpec | null;
  readonly selected: number | null;
}

export interface LayerTableView extends Disposable {
  update(input: LayerTableInput): void;
  /** Scrolls the selected row into view (after keyboard moves and reveals). */
  revealSelected(): void;
  focus(): void;
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
    const th = el('th', column.numeric ? 'num' : undefined, column.label);
    th.title = column.title;
    th.dataset.key = column.key;
    th.setAttribute('role', 'columnheader');
    th.addEventListener('click', () => handlers.onSort(column.key));
    headRow.append(th);
  }
  disposables.listen(wrap, 'keydown', handlers.onKey);
  disposables.listen(body, 'click', (event) => {
    const row = (event.target as Element).closest('tr');
    const index = row ? Number(row.dataset.index) : NaN;
    if (Number.isInteger(index)) handlers.onSelect(index, true);
  });

  const update = (input: LayerTableInput) => {
    select(headRow)
      .selectAll<HTMLTableCellElement, unknown>('th')
      .attr('aria-sort', function () {
        const sort = input.sort;
        return sort && sort.key === this.dataset.key ? (sort.descending ? 'descending' : 'ascending') : 'none';
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
      .classed('selected', (d) => d.index === input.selected)
      .attr('aria-selected', (d) => String(d.index === input.selected))
      .each(function (d) {
        const result = input.results.get(d.index);
        COLUMNS.forEach((column, i) => {
          const td = this.cells[i];
          const text = column.text(d, result);
          if (td.textContent !== text) td.textContent = text;
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
    revealSelected: () => body.querySelector('tr.selected')?.scrollIntoView({ block: 'nearest' }),
    focus: () => wrap.focus(),
    dispose: () => {
      disposables.dispose();
      wrap.remove();
    },
  };
}
