import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { ExportFormat } from '../../src/protocol/payloads';
import type { Actions } from '../actions';
import { DisposableStore, type Disposable } from '../disposable';
import { component, el } from '../dom';
import { COLUMNS, type ColumnKey } from '../model/columns';
import { isNavigationKey, navigate, nextSort, visibleRows } from '../model/layerTable';
import { effectiveRows, extendSelection, NO_ROWS, rangeSelection, toggleSelection, type RowSelection } from '../model/rowSelection';
import { tableCsv, tableTsv } from '../model/tableText';
import type { Store } from '../state/store';
import { renderLayerTable } from './layerTableView';

const EXPORTS: readonly [ExportFormat, string][] = [
  ['json', 'JSON'],
  ['csv', 'CSV'],
  ['markdown', 'Markdown'],
];

/** The sortable, filterable layer table with its toolbar (filter, export, copy). */
export function mountLayers(parent: HTMLElement, store: Store, actions: Actions): Disposable {
  const disposables = new DisposableStore();
  const toolbar = el('div', 'toolbar');
  const filter = component<VscodeTextfield>('vscode-textfield', 'filter');
  filter.placeholder = 'Filter modules (e.g. q_proj 11)';
  filter.setAttribute('aria-label', 'Filter modules');
  filter.value = store.view.filter;
  const count = el('span', 'count');
  const exportGroup = el('span', 'export');
  exportGroup.append(el('span', 'label', 'Export'));
  for (const [format, label] of EXPORTS) {
    const button = component<VscodeButton>('vscode-button', `export-${format}`, label);
    button.secondary = true;
    disposables.listen(button, 'click', () => void actions.exportReport(format));
    exportGroup.append(button);
  }
  const csv = component<VscodeButton>('vscode-button', 'export-table-csv', 'Table CSV');
  csv.secondary = true;
  csv.title = 'Save every row of the table as CSV, numbers in full precision';
  exportGroup.append(csv);
  const copy = component<VscodeButton>('vscode-button', 'copy-stats', 'Copy stats');
  copy.secondary = true;
  const menu = columnMenu(store);
  toolbar.append(filter, count, exportGroup, copy, menu.element);
  disposables.add(menu);
  parent.append(toolbar);

  let visible: number[] = [];
  // Rows picked for copying (view-local, not saved); emptied whenever the current row moves.
  let picked: RowSelection = NO_ROWS;
  let pickedFor = store.view.selected;
  const pick = (next: RowSelection) => {
    picked = next;
    pickedFor = store.view.selected;
    render();
  };
  const shownColumns = () => COLUMNS.filter((c) => !store.view.hiddenColumns.includes(c.key));
  const table = disposables.add(
    renderLayerTable(parent, {
      onSort: (key) => store.updateView({ sort: nextSort(store.view.sort, key) }),
      onResize: (key, width) => store.updateView({ columnWidths: { ...store.view.columnWidths, [key]: width } }),
      onCopy: (event) => {
        // The picked rows (or the current one), or every row the filter shows when none is selected.
        const chosen = effectiveRows(visible, store.view.selected, picked);
        const indices = chosen.length > 0 ? chosen : visible;
        const rows = indices.map((i) => store.layer(i)).filter((r) => r !== undefined);
        event.clipboardData?.setData('text/plain', tableTsv(shownColumns(), rows, store.results));
        event.preventDefault();
        store.setNotice(`Copied ${rows.length} row${rows.length === 1 ? '' : 's'} as TSV`);
      },
      onSelect: (index, open, keys) => {
        if (keys.range) pick(rangeSelection(visible, store.view.selected, index));
        else if (keys.toggle) pick(toggleSelection(visible, store.view.selected, picked, index));
        else {
          if (picked.rows.size > 0) pick(NO_ROWS);
          actions.select(index, { open });
        }
      },
      onKey: (event) => {
        if (event.shiftKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
          event.preventDefault();
          pick(extendSelection(visible, store.view.selected, picked, event.key === 'ArrowUp' ? -1 : 1));
          const end = picked.end;
          if (end !== null) queueMicrotask(() => table.reveal(end));
        } else if (isNavigationKey(event.key)) {
          if (picked.rows.size > 0) pick(NO_ROWS);
          event.preventDefault();
          const next = navigate(visible, store.view.selected, event.key);
          if (next !== null) actions.select(next);
          queueMicrotask(() => table.revealSelected());
        } else if (event.key === 'Enter' && store.view.selected !== null) {
          event.preventDefault();
          actions.select(store.view.selected, { open: true });
        } else if (event.key === 'Escape') {
          actions.closeDetails();
        }
      },
    }),
  );
  disposables.listen(csv, 'click', () => {
    const layers = store.overview?.layers ?? [];
    const text = tableCsv(COLUMNS, layers, store.results);
    void actions.saveExport(`${exportStem(store)}-layers.csv`, 'csv', text, 'utf8');
  });
  disposables.listen(filter, 'input', () => store.updateView({ filter: filter.value }));
  disposables.listen(copy, 'click', () => {
    const chosen = effectiveRows(visible, store.view.selected, picked);
    void actions.copyStats(chosen.length > 0 ? chosen : visible);
  });

  const render = () => {
    if (store.view.selected !== pickedFor) {
      picked = NO_ROWS;
      pickedFor = store.view.selected;
    }
    const layers = store.overview?.layers ?? [];
    const rows = visibleRows(layers, store.results, store.view.filter, store.view.sort);
    visible = rows.map((r) => r.index);
    count.textContent = `${rows.length} of ${layers.length} modules`;
    table.update({
      all: layers,
      rows,
      results: store.results,
      sort: store.view.sort,
      selected: store.view.selected,
      picked: new Set(effectiveRows(visible, store.view.selected, picked)),
      hidden: new Set(store.view.hiddenColumns),
      widths: store.view.columnWidths,
    });
    menu.sync();
    if (rows.length > 0 && performance.getEntriesByName('lora-lens:first-rows').length === 0) performance.mark('lora-lens:first-rows');
  };
  render();
  disposables.add(
    store.subscribe((changes) => {
      if (filter.value !== store.view.filter) filter.value = store.view.filter;
      if (changes.has('overview') || changes.has('results') || changes.has('view')) render();
      if (changes.has('view') && store.view.tab === 'layers') table.revealSelected();
    }),
  );
  return disposables;
}

/** The adapter's file name without its extension, for the names the save dialog proposes. */
export function exportStem(store: Store): string {
  const file = (store.overview?.file ?? '').split(/[\\/]/).pop() ?? '';
  return file.replace(/\.[^.]*$/, '') || 'adapter';
}

/** The Columns menu: a checkbox per column to show or hide it (the module column always shows). */
function columnMenu(store: Store): Disposable & { readonly element: HTMLElement; sync(): void } {
  const disposables = new DisposableStore();
  const element = el('details', 'column-menu');
  const summary = el('summary', undefined, 'Columns');
  summary.title = 'Show or hide columns';
  const list = el('div', 'column-menu-list');
  list.setAttribute('role', 'group');
  list.setAttribute('aria-label', 'Columns');
  element.append(summary, list);
  const boxes = new Map<ColumnKey, HTMLInputElement>();
  for (const column of COLUMNS) {
    const label = el('label');
    const box = el('input');
    box.type = 'checkbox';
    box.dataset.key = column.key;
    box.disabled = column.key === 'module';
    label.append(box, ` ${column.label}`);
    label.title = column.title;
    list.append(label);
    boxes.set(column.key, box);
    disposables.listen(box, 'change', () => {
      const hidden = new Set(store.view.hiddenColumns);
      if (box.checked) hidden.delete(column.key);
      else hidden.add(column.key);
      store.updateView({ hiddenColumns: COLUMNS.map((c) => c.key).filter((k) => hidden.has(k)) });
    });
  }
  const reset = el('button', 'column-menu-reset', 'Reset widths');
  disposables.listen(reset, 'click', () => store.updateView({ columnWidths: {} }));
  list.append(reset);
  const sync = () => {
    for (const [key, box] of boxes) box.checked = !store.view.hiddenColumns.includes(key);
  };
  sync();
  return { element, sync, dispose: () => disposables.dispose() };
}
