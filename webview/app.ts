import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import type { VscodeTabs } from '@vscode-elements/elements/dist/vscode-tabs/vscode-tabs.js';
import type { Actions } from './actions';
import { DisposableStore, type Disposable } from './disposable';
import { component, el } from './dom';
import { TABS, type TabId } from './model/viewState';
import type { Store } from './state/store';
import { mountChartExports } from './export/exportButtons';
import { mountDetails } from './views/details';
import { mountHeader } from './views/header';
import { exportStem, mountLayers } from './views/layers';
import { mountMixer } from './views/mixer';
import { mountOverview } from './views/overview';
import { mountPredict } from './views/predict';
import { mountRanks } from './views/ranks';
import { mountSpectrum } from './views/spectrum';

export type ViewMount = (parent: HTMLElement, store: Store, actions: Actions) => Disposable;

const VIEWS: Record<TabId, { readonly label: string; readonly mount: ViewMount }> = {
  overview: { label: 'Overview', mount: mountOverview },
  layers: { label: 'Layers', mount: mountLayers },
  ranks: { label: 'Ranks', mount: mountRanks },
  spectrum: { label: 'Spectrum', mount: mountSpectrum },
  mixer: { label: 'Mixer', mount: mountMixer },
  predict: { label: 'Predicted properties', mount: mountPredict },
};

/** Lays out the header, the tabbed views and the layer-details pane, and keeps tabs in step with the store. */
export function mountApp(root: HTMLElement, store: Store, actions: Actions): Disposable {
  const disposables = new DisposableStore();
  root.replaceChildren();
  const header = el('header', 'app-header');
  const body = el('div', 'app-body');
  const tabs = component<VscodeTabs>('vscode-tabs', 'app-tabs');
  const details = el('aside', 'details');
  details.setAttribute('aria-label', 'Layer details');
  body.append(tabs, details);
  root.append(header, body);
  disposables.add(mountHeader(header, store, actions));
  for (const id of TABS) {
    const tabHeader = component<HTMLElement>('vscode-tab-header', `tab-${id}`, VIEWS[id].label);
    tabHeader.slot = 'header';
    tabHeader.dataset.tab = id;
    const panel = component<HTMLElement>('vscode-tab-panel', `panel panel-${id}`);
    panel.dataset.tab = id;
    tabs.append(tabHeader, panel);
    disposables.add(VIEWS[id].mount(panel, store, actions));
  }
  disposables.add(mountDetails(details, store, actions));
  disposables.add(
    mountChartExports(
      body,
      () => exportStem(store),
      (name, kind, data, encoding) => actions.saveExport(name, kind, data, encoding),
      (message) => store.setNotice(message),
    ),
  );
  const syncTab = () => {
    const index = TABS.indexOf(store.view.tab);
    if (tabs.selectedIndex !== index) tabs.selectedIndex = index;
    root.dataset.tab = store.view.tab;
  };
  syncTab();
  disposables.listen(tabs, 'vsc-tabs-select', (event) => {
    const index = (event as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
    const tab = TABS[index];
    if (tab) actions.showTab(tab);
  });
  disposables.add(store.subscribe((changes) => changes.has('view') && syncTab()));
  return disposables;
}
