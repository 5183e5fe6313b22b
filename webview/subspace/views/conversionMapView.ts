import type { ConversionGroupPayload, PhiMapPayload } from '../../../src/protocol/basePayloads';
import { renderHeatmap, type Heatmap } from '../../charts/heatmap';
import { DisposableStore, type Disposable } from '../../disposable';
import { el } from '../../dom';
import { formatNumber } from '../../model/format';
import { layerLabel } from '../../model/layerLabel';
import { fixedScaleHeatmap } from '../../model/heatmapModel';
import { offDiagonalMax } from '../../model/offDiagonal';
import { onThemeChange } from '../../theme';
import type { GridRequests } from '../gridRequest';
import type { SubspaceStore, SubspaceView } from '../subspaceStore';
import { picker } from './picker';

const SIZE = 300;

/**
 * CondLoRA's observation, checked as the paper does (Kim et al. 2024): per module type, the
 * layer × layer subspace similarity φ(i, j) of the conversion matrices C_A = W0⁻¹·Aᵀ and
 * C_B = W0⁻¹·B (0 to 1), with the mean between different layers and the random-subspace baseline
 * beside each map, and the median error of one conversion fitted to all layers.
 */
export function mountConversionMaps(parent: HTMLElement, store: SubspaceStore, _grids: GridRequests): Disposable {
  const disposables = new DisposableStore();
  const result = store.result;
  if (result?.kind !== 'base') return disposables;
  const groups = result.payload.conversionGroups;
  if (groups.length === 0) {
    parent.append(el('p', 'placeholder', 'No module type has two or more analysed layers of one shape: there are no conversions to compare across layers.'));
    return disposables;
  }
  const group = picker(
    'Module type',
    'group',
    groups.map((g, i) => [String(i), `${g.moduleType} (${g.layers.length} layers)`]),
  );
  const scale = picker('Colour scale', 'scale', [
    ['unit', '0 to 1'],
    ['offDiagonal', 'largest φ between layers'],
  ]);
  const toolbar = el('div', 'toolbar');
  toolbar.append(group.label, scale.label);
  const body = el('div', 'mixer-panels');
  parent.append(toolbar, body);
  disposables.listen(group.select, 'change', () => store.updateView({ group: Number(group.select.value) }));
  disposables.listen(scale.select, 'change', () => store.updateView({ scale: scale.select.value as SubspaceView['scale'] }));
  const heatmaps: Heatmap[] = [];
  const clear = () => {
    for (const h of heatmaps) h.dispose();
    heatmaps.length = 0;
  };
  disposables.add({ dispose: clear });
  disposables.add(onThemeChange(() => heatmaps.forEach((h) => h.repaint())));

  const map = (g: ConversionGroupPayload, factor: 'A' | 'B', p: PhiMapPayload) => {
    const section = el('section', 'matrix conversion-map');
    const top = store.view.scale === 'offDiagonal' ? offDiagonalMax(p.map) : 1;
    const title = `φ(i, j) of C_${factor}`;
    section.append(el('h3', undefined, title));
    const cell = Math.max(6, Math.min(40, Math.floor(SIZE / Math.max(g.layers.length, 1))));
    heatmaps.push(
      renderHeatmap(
        section,
        fixedScaleHeatmap(p.map, top > 0 ? top : 1, cell, cell),
        `${title} of ${g.moduleType}`,
        (hit) => `${layerLabel(g.layers[hit.row] ?? '')} × ${layerLabel(g.layers[hit.col] ?? '')}: ${formatNumber(hit.value)}`,
      ),
    );
    return section;
  };
  const panel = (g: ConversionGroupPayload) => {
    const side = el('section', 'matrix conversion-baseline');
    const errors = Array.from(g.sharedFitErrors)
      .filter((x) => Number.isFinite(x))
      .sort((a, b) => a - b);
    side.append(
      el('h3', undefined, 'Against chance'),
      el('p', 'hint mean-a', `mean φ of C_A between layers = ${formatNumber(g.phiA.mean)}`),
      el('p', 'hint baseline-a', `random subspaces, E[φ] = ${formatNumber(g.phiA.random)}`),
      el('p', 'hint mean-b', `mean φ of C_B between layers = ${formatNumber(g.phiB.mean)}`),
      el('p', 'hint baseline-b', `random subspaces, E[φ] = ${formatNumber(g.phiB.random)}`),
      el('p', 'hint shared-fit', `one conversion for all layers, median relative error = ${errors.length > 0 ? formatNumber(errors[(errors.length - 1) >> 1]) : '–'}`),
    );
    body.append(map(g, 'A', g.phiA), map(g, 'B', g.phiB), side);
  };
  const render = () => {
    const index = Math.min(store.view.group, groups.length - 1);
    group.select.value = String(index);
    scale.select.value = store.view.scale;
    clear();
    body.replaceChildren();
    panel(groups[index]);
  };
  render();
  disposables.add(store.subscribe((changes) => changes.has('view') && render()));
  return disposables;
}
