import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { Actions } from '../actions';
import { renderMultiples, type MultiplesChart } from '../charts/multiplesChart';
import { renderSpectrumChart, SERIES_SLOTS, type SpectrumChart } from '../charts/spectrumChart';
import { DisposableStore, type Disposable } from '../disposable';
import { component, el } from '../dom';
import { moduleTypes } from '../model/layerOrder';
import { multiplesModel } from '../model/multiplesModel';
import { spectrumModel, type SpectrumInput } from '../model/spectrumModel';
import type { Store } from '../state/store';
import { renderWhileVisible } from './lazyRender';
import { spectrumLayers, topBySigma1 } from '../model/spectrumLayers';

const MAX_CHOSEN = 12;

/** Singular values of chosen layers (log scale), their cumulative energy, and one module type across depth. */
export function mountSpectrum(parent: HTMLElement, store: Store, actions: Actions): Disposable {
  const disposables = new DisposableStore();
  const toolbar = el('div', 'toolbar');
  const add = component<VscodeButton>('vscode-button', 'add-selected', 'Add selected layer');
  const top = component<VscodeButton>('vscode-button', 'top-layers', 'Top 5 by σ1');
  const clear = component<VscodeButton>('vscode-button', 'clear-layers', 'Clear');
  for (const b of [add, top, clear]) b.secondary = true;
  toolbar.append(add, top, clear);
  const chips = el('div', 'chips');
  const chartBox = el('div', 'spectrum-box');
  const empty = el('p', 'placeholder', 'No spectra yet: they appear as the analysis finishes layers.');
  const multiplesHead = el('div', 'toolbar');
  const typeLabel = el('label', undefined, 'Across depth: ');
  const typeSelect = el('select', 'module-type');
  typeLabel.append(typeSelect);
  multiplesHead.append(el('h2', undefined, 'Small multiples'), typeLabel, el('span', 'hint', 'σᵢ/σ₁ on a shared log axis'));
  const multiplesBox = el('div');
  parent.append(toolbar, chips, empty, chartBox, multiplesHead, multiplesBox);

  const chosen = () => store.view.spectrumLayers;
  disposables.listen(add, 'click', () => {
    const s = store.view.selected;
    if (s !== null && !chosen().includes(s)) store.updateView({ spectrumLayers: [...chosen(), s].slice(-MAX_CHOSEN) });
  });
  disposables.listen(top, 'click', () => store.updateView({ spectrumLayers: topBySigma1(store.results, 5) }));
  disposables.listen(clear, 'click', () => store.updateView({ spectrumLayers: [] }));
  disposables.listen(typeSelect, 'change', () => store.updateView({ moduleType: typeSelect.value }));

  let chart: SpectrumChart | null = null;
  let multiples: MultiplesChart | null = null;
  disposables.add({ dispose: () => (chart?.dispose(), multiples?.dispose()) });

  const renderChips = (indices: readonly number[]) => {
    chips.replaceChildren(
      ...indices.map((index, i) => {
        const chip = el('span', `chip slot-${i % SERIES_SLOTS}`);
        chip.append(el('span', 'swatch'), el('span', 'name', store.layer(index)?.name ?? String(index)));
        if (chosen().includes(index)) {
          const remove = el('button', 'remove', '×');
          remove.title = 'Remove';
          remove.addEventListener('click', () => store.updateView({ spectrumLayers: chosen().filter((c) => c !== index) }));
          chip.append(remove);
        }
        return chip;
      }),
    );
  };

  const render = () => {
    const layers = store.overview?.layers ?? [];
    const indices = spectrumLayers(chosen(), store.view.selected, store.results, (i) => store.layer(i)?.moduleType);
    renderChips(indices);
    empty.hidden = indices.length > 0;
    chartBox.hidden = indices.length === 0;
    const inputs: SpectrumInput[] = [];
    for (const index of indices) {
      const r = store.results.get(index);
      if (r?.status === 'ok') inputs.push({ index, name: store.layer(index)?.name ?? String(index), singularValues: r.singularValues });
    }
    const width = Math.max(420, Math.min(900, parent.clientWidth - 24));
    const model = spectrumModel(inputs, width, 380);
    if (chart) chart.update(model);
    else chart = renderSpectrumChart(chartBox, model);

    const types = moduleTypes(layers);
    if (typeSelect.options.length !== types.length || types.some((t, i) => typeSelect.options[i].value !== t)) {
      typeSelect.replaceChildren(
        ...types.map((t) => {
          const option = el('option', undefined, t);
          option.value = t;
          return option;
        }),
      );
    }
    const type = store.view.moduleType && types.includes(store.view.moduleType) ? store.view.moduleType : (types[0] ?? '');
    typeSelect.value = type;
    const mm = multiplesModel(layers, store.results, type, 120, 80);
    if (multiples) multiples.update(mm, store.view.selected);
    else multiples = renderMultiples(multiplesBox, mm, store.view.selected, (i) => actions.select(i, { open: true }));
  };
  disposables.add(renderWhileVisible(store, 'spectrum', render, (c) => c.has('overview') || c.has('results') || c.has('view')));
  return disposables;
}
