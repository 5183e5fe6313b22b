import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import type { VscodeTabs } from '@vscode-elements/elements/dist/vscode-tabs/vscode-tabs.js';
import { DisposableStore, type Disposable } from '../disposable';
import { component, el } from '../dom';
import { formatNumber } from '../model/format';
import { GridRequests, type SubspaceEndpoint } from './gridRequest';
import type { SubspaceResultView, SubspaceStore } from './subspaceStore';
import { mountBaseDepth } from './views/baseDepthView';
import { mountBaseTable } from './views/baseTableView';
import { mountConversionMaps } from './views/conversionMapView';
import { mountConvergence } from './views/convergenceView';
import { mountCrossLayer } from './views/crossLayerView';
import { mountDepth } from './views/depthView';
import { mountPhiGrid } from './views/phiGridView';
import { mountSimilarityMap } from './views/similarityMapView';
import { mountUnmatched } from './views/unmatchedView';
import { mountChartExports } from '../export/exportButtons';

/** What a view may ask of the host besides φ grids. */
export interface SubspaceActions {
  /** Convergence: ask the host for a reference file and measure the run against it. */
  chooseReference(): void;
}

export type SubspaceMount = (parent: HTMLElement, store: SubspaceStore, grids: GridRequests, actions: SubspaceActions) => Disposable;

/** The tabs each kind of result shows, in order. */
function tabsOf(result: SubspaceResultView): { id: string; label: string; mount: SubspaceMount }[] {
  switch (result.kind) {
    case 'comparison':
      return [
        { id: 'map', label: 'Similarity map', mount: mountSimilarityMap },
        { id: 'depth', label: 'By depth', mount: mountDepth },
        { id: 'phi', label: 'φ grid', mount: mountPhiGrid },
        { id: 'unmatched', label: `Unmatched (${result.payload.unmatched.length})`, mount: mountUnmatched },
      ];
    case 'convergence':
      return [
        { id: 'curves', label: 'Convergence', mount: mountConvergence },
        { id: 'unmatched', label: `Unmatched (${result.payload.unmatched.length})`, mount: mountUnmatched },
      ];
    case 'crossLayer':
      return [
        { id: 'maps', label: 'Cross-layer maps', mount: mountCrossLayer },
        { id: 'unmatched', label: `Skipped (${result.payload.skipped.length})`, mount: mountUnmatched },
      ];
    case 'base':
      return [
        { id: 'baseModules', label: 'Modules', mount: mountBaseTable },
        { id: 'baseDepth', label: 'By depth', mount: mountBaseDepth },
        { id: 'condLora', label: 'CondLoRA maps', mount: mountConversionMaps },
        { id: 'unmatched', label: `Not analysed (${result.payload.skipped.length})`, mount: mountUnmatched },
      ];
  }
}

function statusText(store: SubspaceStore): string {
  const s = store.status;
  if (s.kind === 'failed') return s.cancelled ? 'Cancelled.' : `Failed: ${s.message}`;
  if (s.kind === 'running') return s.progress ? `Computing… ${s.progress.done}/${s.progress.total} modules (${s.progress.module})` : 'Computing…';
  const seconds = store.result?.payload.seconds;
  return seconds === undefined ? '' : `Computed in ${formatNumber(seconds)} s.`;
}

/** The panel's title as the start of an export's file name. */
function exportSlug(title: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'lora-lens'
  );
}

/** The panel: a title and status line, then the result's tabs once it has arrived. */
export function mountSubspaceApp(root: HTMLElement, store: SubspaceStore, endpoint: SubspaceEndpoint): Disposable {
  const disposables = new DisposableStore();
  const grids = disposables.add(new GridRequests(store, endpoint));
  const actions: SubspaceActions = { chooseReference: () => endpoint.notify('chooseReference', {}) };
  let views = new DisposableStore();
  disposables.add({ dispose: () => views.dispose() });
  const title = el('h1', 'subspace-title');
  const status = el('p', 'subspace-status');
  status.setAttribute('role', 'status');
  const body = el('div', 'subspace-body');
  root.replaceChildren(title, status, body);
  disposables.add(
    mountChartExports(
      body,
      () => exportSlug(title.textContent ?? ''),
      async (name, kind, data, encoding) => {
        try {
          const { file } = await endpoint.request('saveExport', { name, kind, data, encoding });
          if (file) status.textContent = `Saved ${file}`;
        } catch (error) {
          status.textContent = `Export failed: ${error instanceof Error ? error.message : String(error)}`;
        }
      },
      (message) => (status.textContent = message),
    ),
  );

  const renderResult = () => {
    views.dispose();
    views = new DisposableStore();
    body.replaceChildren();
    const result = store.result;
    if (!result) return;
    const tabs = component<VscodeTabs>('vscode-tabs', 'subspace-tabs');
    body.append(tabs);
    const list = tabsOf(result);
    for (const t of list) {
      const header = component<HTMLElement>('vscode-tab-header', `tab-${t.id}`, t.label);
      header.slot = 'header';
      const panel = component<HTMLElement>('vscode-tab-panel', `panel panel-${t.id}`);
      tabs.append(header, panel);
      views.add(t.mount(panel, store, grids, actions));
    }
    const sync = () => {
      const index = Math.max(
        0,
        list.findIndex((t) => t.id === store.view.tab),
      );
      if (tabs.selectedIndex !== index) tabs.selectedIndex = index;
    };
    sync();
    views.listen(tabs, 'vsc-tabs-select', (event) => {
      const tab = list[(event as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex];
      if (tab && tab.id !== store.view.tab) store.updateView({ tab: tab.id });
    });
    views.add(store.subscribe((changes) => changes.has('view') && sync()));
  };
  const render = (changes: ReadonlySet<string>) => {
    title.textContent = store.title;
    status.textContent = statusText(store);
    status.classList.toggle('failed', store.status.kind === 'failed');
    if (changes.has('result')) renderResult();
  };
  render(new Set(['result']));
  disposables.add(store.subscribe(render));
  return disposables;
}
