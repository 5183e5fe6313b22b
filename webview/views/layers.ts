import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { ExportFormat } from '../../src/protocol/payloads';
import type { Actions } from '../actions';
import { DisposableStore, type Disposable } from '../disposable';
import { component, el } from '../dom';
import { isNavigationKey, navigate, nextSort, visibleRows } from '../model/layerTable';
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
  const copy = component<VscodeButton>('vscode-button', 'copy-stats', 'Copy stats');
  copy.secondary = true;
  toolbar.append(filter, count, exportGroup, copy);
  parent.append(toolbar);

  let visible: number[] = [];
  const table = disposables.add(
    renderLayerTable(parent, {
      onSort: (key) => store.updateView({ sort: nextSort(store.view.sort, key) }),
      onSelect: (index, open) => actions.select(index, { open }),
      onKey: (event) => {
        if (isNavigationKey(event.key)) {
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
  disposables.listen(filter, 'input', () => store.updateView({ filter: filter.value }));
  disposables.listen(copy, 'click', () => {
    const selected = store.view.selected;
    void actions.copyStats(selected !== null && visible.includes(selected) ? [selected] : visible);
  });

  const render = () => {
    const layers = store.overview?.layers ?? [];
    const rows = visibleRows(layers, store.results, store.view.filter, store.view.sort);
    visible = rows.map((r) => r.index);
    count.textContent = `${rows.length} of ${layers.length} modules`;
    table.update({ rows, results: store.results, sort: store.view.sort, selected: store.view.selected });
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
